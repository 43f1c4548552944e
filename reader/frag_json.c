/* SPDX-License-Identifier: MIT */
/* --json for a fragmentation report: one object (members in
 * heapguard-report(1)), figures under the names of hg_frag_figure_json, the
 * derived shares as numbers from 0 to 1, addresses as hex strings, stacks as
 * symbolized frames like the leak report's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "frag_report.h"
#include "output.h"

static void hg_put_json_figures(FILE *out, const uint64_t *fig, int count, double fragmentation)
{
	int k;

	for (k = 0; k < count; k++)
		fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "", hg_frag_figure_json(k), fig[k]);
	fprintf(out, ",\"fragmentation\":%.6f,\"free_held_share\":%.6f", fragmentation,
		hg_frag_held(fig));
}

/* The histogram lines of one arena (or HG_FRAG_ALL) as an array. */
static void hg_put_json_classes(FILE *out, const struct hg_frag *frag, uint32_t arena)
{
	bool first = true;
	size_t i;

	putc('[', out);
	for (i = 0; i < frag->nclasses; i++) {
		const struct hg_frag_class *c = &frag->classes[i];

		if (c->arena != arena)
			continue;
		fprintf(out,
			"%s{\"lo\":%" PRIu64 ",\"hi\":%" PRIu64 ",\"chunks\":%" PRIu64
			",\"bytes\":%" PRIu64 "}",
			first ? "" : ",", c->lo, c->hi, c->chunks, c->bytes);
		first = false;
	}
	putc(']', out);
}

static void hg_put_json_frag_run(FILE *out, const struct hg_frag *frag,
				 const struct hg_symbolizer *sym)
{
	char *verdict = hg_frag_verdict(frag, sym);

	fprintf(out, "{\"format\":%u,\"report\":\"fragmentation\",", frag->run.format);
	hg_put_json_run(out, &frag->run);
	fputs(",\"trigger\":", out);
	hg_put_json_string(out, frag->trigger);
	fprintf(out,
		",\"uptime_us\":%" PRIu64 ",\"page_size\":%" PRIu64
		",\"truncated\":%s,\"verdict\":",
		frag->uptime_us, frag->page_size, frag->truncated ? "true" : "false");
	hg_put_json_string(out, verdict);
	free(verdict);
	fputs(",\"doubt\":", out);
	hg_put_json_string(out, frag->doubt);
}

static void hg_put_json_arenas(FILE *out, const struct hg_frag *frag)
{
	const struct hg_frag_mmapped *m = &frag->mmapped;
	size_t i;

	fputs(",\"totals\":{", out);
	hg_put_json_figures(out, frag->totals, HG_FIGURES, hg_frag_total_fragmentation(frag));
	fprintf(out,
		"},\"mmapped\":{\"chunks\":%" PRIu64 ",\"system_bytes\":%" PRIu64
		",\"live_bytes\":%" PRIu64,
		m->chunks, m->system, m->live_bytes);
	if (m->has_usable)
		fprintf(out, ",\"usable_bytes\":%" PRIu64, m->usable);
	else
		fputs(",\"usable_bytes\":null", out);
	fprintf(out,
		",\"requested_bytes\":%" PRIu64 ",\"resident_bytes\":%" PRIu64
		",\"quarantined_bytes\":%" PRIu64 "},\"arenas\":[",
		m->requested, m->resident, m->quarantined);
	for (i = 0; i < frag->narenas; i++) {
		const struct hg_frag_arena *a = &frag->arenas[i];

		fprintf(out, "%s{\"id\":%" PRIu64 ",\"kind\":\"%s\",", i ? "," : "", a->id,
			a->main ? HG_FRAG_KIND_MAIN : HG_FRAG_KIND_THREAD);
		hg_put_json_figures(out, a->fig, HG_FIGURES, hg_frag_fragmentation(a->fig));
		fputs(",\"histogram\":", out);
		hg_put_json_classes(out, frag, (uint32_t)i);
		putc('}', out);
	}
	fputs("],\"histogram\":", out);
	hg_put_json_classes(out, frag, HG_FRAG_ALL);
}

static void hg_put_json_sites(FILE *out, const struct hg_frag *frag,
			      const struct hg_symbolizer *sym)
{
	const struct hg_frag_peak *peak = &frag->peak;
	size_t i;

	fprintf(out, ",\"peak\":{\"system_bytes\":%" PRIu64 ",\"system_us\":%" PRIu64, peak->system,
		peak->system_us);
	if (peak->has_live)
		fprintf(out,
			",\"live_bytes\":%" PRIu64 ",\"live_us\":%" PRIu64
			",\"sites_live_bytes\":%" PRIu64 ",\"sites_us\":%" PRIu64,
			peak->live, peak->live_us, peak->sites_live, peak->sites_us);
	else
		fputs(",\"live_bytes\":null,\"live_us\":null,\"sites_live_bytes\":null,"
		      "\"sites_us\":null",
		      out);
	fputs(",\"sites\":[", out);
	for (i = 0; i < frag->npeak_sites; i++) {
		const struct hg_frag_site *s = &frag->peak_sites[i];

		fprintf(out,
			"%s{\"blocks\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"stack\":%" PRIu64
			",\"frames\":",
			i ? "," : "", s->blocks, s->bytes, hg_leaks_stack_id(&frag->run, s->stack));
		hg_put_json_stack(out, &frag->run, sym, s->stack);
		putc('}', out);
	}
	fputs("]},\"pin_top\":[", out);
	for (i = 0; i < frag->npin_tops; i++) {
		const struct hg_frag_pin_top *p = &frag->pin_tops[i];

		fprintf(out,
			"%s{\"arena\":%lu,\"segment\":%lu,\"address\":\"0x%" PRIx64
			"\",\"size\":%" PRIu64 ",\"free_below\":%" PRIu64 ",\"stack\":%" PRIu64
			",\"frames\":",
			i ? "," : "", (unsigned long)p->arena, (unsigned long)p->segment,
			p->address, p->size, p->free_below,
			hg_leaks_stack_id(&frag->run, p->stack));
		hg_put_json_stack(out, &frag->run, sym, p->stack);
		putc('}', out);
	}
	fputs("],\"pinning\":[", out);
	for (i = 0; i < frag->npin_sites; i++) {
		const struct hg_frag_pin_site *s = &frag->pin_sites[i];

		fprintf(out,
			"%s{\"bytes_pinned\":%" PRIu64 ",\"blocks\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"pinning_blocks\":%" PRIu64 ",\"spans\":%" PRIu64 ",\"stack\":%" PRIu64
			",\"frames\":",
			i ? "," : "", s->pinned, s->blocks, s->bytes, s->pinning_blocks, s->spans,
			hg_leaks_stack_id(&frag->run, s->stack));
		hg_put_json_stack(out, &frag->run, sym, s->stack);
		putc('}', out);
	}
	putc(']', out);
}

static void hg_put_json_map(FILE *out, const struct hg_frag *frag)
{
	size_t i;

	fputs(",\"map\":[", out);
	for (i = 0; i < frag->nsegments; i++) {
		const struct hg_frag_segment *seg = &frag->segments[i];

		fprintf(out,
			"%s{\"arena\":%lu,\"segment\":%lu,\"lo\":\"0x%" PRIx64
			"\",\"hi\":\"0x%" PRIx64 "\",\"top\":",
			i ? "," : "", (unsigned long)seg->arena, (unsigned long)seg->index, seg->lo,
			seg->hi);
		if (seg->top)
			fprintf(out, "\"0x%" PRIx64 "\"", seg->top);
		else
			fputs("null", out);
		fprintf(out, ",\"cell\":%" PRIu64 ",\"cells\":\"", seg->cell);
		fwrite(frag->cells + seg->cells, 1, seg->ncells, out);
		fputs("\"}", out);
	}
	putc(']', out);
}

void hg_frag_print_json(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym)
{
	hg_put_json_frag_run(out, frag, sym);
	hg_put_json_arenas(out, frag);
	hg_put_json_sites(out, frag, sym);
	hg_put_json_map(out, frag);
	fputs("}\n", out);
}
