/* SPDX-License-Identifier: MIT */
/* --json for a fragmentation report: one object (members in
 * heapguard-report(1)) whose members are named as the file names its
 * records and keys (format/frag.h), a repeated record's lines as an array
 * named for it in the plural; the derived shares as numbers from 0 to 1,
 * addresses as hex strings, stacks as symbolized frames like the leak
 * report's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "frag_report.h"
#include "output.h"

static void hg_put_json_figures(FILE *out, const uint64_t *fig, int count, double fragmentation)
{
	int k;

	for (k = 0; k < count; k++)
		fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "", hg_frag_figure_key(k), fig[k]);
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

	fprintf(out, "{\"format\":%u,\"report\":\"" HG_FRAG_NAME "\",", frag->run.format);
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

/* The mmapped record's keys; usable is null in a version 1.0 report. */
static void hg_put_json_mmapped(FILE *out, const struct hg_frag_mmapped *m)
{
	const uint64_t v[HG_MM_KEYS] = {
		[HG_MM_CHUNKS] = m->chunks,	      [HG_MM_SYSTEM] = m->system,
		[HG_MM_LIVE_BYTES] = m->live_bytes,   [HG_MM_USABLE] = m->usable,
		[HG_MM_REQUESTED] = m->requested,     [HG_MM_RESIDENT] = m->resident,
		[HG_MM_QUARANTINED] = m->quarantined,
	};
	int k;

	fputs(",\"" HG_FRAG_MMAPPED "\":{", out);
	for (k = 0; k < HG_MM_KEYS; k++) {
		fprintf(out, "%s\"%s\":", k ? "," : "", hg_frag_mmapped_key(k));
		if (k == HG_MM_USABLE && !m->has_usable)
			fputs("null", out);
		else
			fprintf(out, "%" PRIu64, v[k]);
	}
	putc('}', out);
}

/* The guard_pages record, when the report has one (2.1). */
static void hg_put_json_guard_pages(FILE *out, const struct hg_frag_guard_pages *g)
{
	int k;

	if (!g->has)
		return;
	fputs(",\"" HG_FRAG_GUARD_PAGES "\":{", out);
	for (k = 0; k < HG_GUARD_KEYS; k++)
		fprintf(out, "%s\"%s\":%" PRIu64, k ? "," : "", hg_frag_guard_key(k), g->v[k]);
	putc('}', out);
}

static void hg_put_json_arenas(FILE *out, const struct hg_frag *frag)
{
	size_t i;

	fputs(",\"" HG_FRAG_TOTALS "\":{", out);
	hg_put_json_figures(out, frag->totals, HG_FIGURES, hg_frag_total_fragmentation(frag));
	putc('}', out);
	hg_put_json_mmapped(out, &frag->mmapped);
	hg_put_json_guard_pages(out, &frag->guard_pages);
	fputs(",\"" HG_FRAG_ARENA "s\":[", out);
	for (i = 0; i < frag->narenas; i++) {
		const struct hg_frag_arena *a = &frag->arenas[i];

		fprintf(out, "%s{\"id\":%" PRIu64 ",\"" HG_FRAG_ARENA_KIND "\":\"%s\",",
			i ? "," : "", a->id, a->main ? HG_FRAG_KIND_MAIN : HG_FRAG_KIND_THREAD);
		hg_put_json_figures(out, a->fig, HG_FIGURES, hg_frag_fragmentation(a->fig));
		fputs(",\"" HG_FRAG_HISTOGRAM "\":", out);
		hg_put_json_classes(out, frag, (uint32_t)i);
		putc('}', out);
	}
	fputs("],\"" HG_FRAG_HISTOGRAM "\":", out);
	hg_put_json_classes(out, frag, HG_FRAG_ALL);
}

/* The peak record's keys: the last four null at level=fast. */
static void hg_put_json_peak(FILE *out, const struct hg_frag_peak *peak)
{
	const uint64_t v[HG_PEAK_KEYS] = {
		[HG_PEAK_KEY_SYSTEM] = peak->system,
		[HG_PEAK_KEY_SYSTEM_US] = peak->system_us,
		[HG_PEAK_KEY_LIVE] = peak->live,
		[HG_PEAK_KEY_LIVE_US] = peak->live_us,
		[HG_PEAK_KEY_SITES_LIVE] = peak->sites_live,
		[HG_PEAK_KEY_SITES_US] = peak->sites_us,
	};
	int k;

	fputs(",\"" HG_FRAG_PEAK "\":{", out);
	for (k = 0; k < HG_PEAK_KEYS; k++) {
		fprintf(out, "%s\"%s\":", k ? "," : "", hg_frag_peak_key(k));
		if (k >= HG_PEAK_KEYS_FAST && !peak->has_live)
			fputs("null", out);
		else
			fprintf(out, "%" PRIu64, v[k]);
	}
	putc('}', out);
}

/* A timeline figure, null when the process did not know it. */
static void hg_put_json_known(FILE *out, const char *key, bool known, uint64_t v)
{
	if (known)
		fprintf(out, ",\"%s\":%" PRIu64, key, v);
	else
		fprintf(out, ",\"%s\":null", key);
}

static void hg_put_json_timeline(FILE *out, const struct hg_frag *frag)
{
	size_t i;

	fputs(",\"" HG_FRAG_TIMELINE "\":[", out);
	for (i = 0; i < frag->ntimeline; i++) {
		const struct hg_frag_sample *t = &frag->timeline[i];

		fprintf(out, "%s{\"t\":%" PRIu64 ",\"system_bytes\":%" PRIu64, i ? "," : "",
			t->t_us, t->system);
		hg_put_json_known(out, "in_use_bytes", t->has_in_use, t->in_use);
		hg_put_json_known(out, "free_bytes", t->has_in_use, t->free);
		hg_put_json_known(out, "quarantine_bytes", true, t->quarantine);
		hg_put_json_known(out, "resident_bytes", t->has_resident, t->resident);
		putc('}', out);
	}
	putc(']', out);
}

static void hg_put_json_sites(FILE *out, const struct hg_frag *frag,
			      const struct hg_symbolizer *sym)
{
	size_t i;

	hg_put_json_peak(out, &frag->peak);
	hg_put_json_timeline(out, frag);
	fputs(",\"" HG_FRAG_PEAK_SITE "s\":[", out);
	for (i = 0; i < frag->npeak_sites; i++) {
		const struct hg_frag_site *s = &frag->peak_sites[i];

		fprintf(out,
			"%s{\"stack\":%" PRIu64 ",\"blocks\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"frames\":",
			i ? "," : "", hg_leaks_stack_id(&frag->run, s->stack), s->blocks, s->bytes);
		hg_put_json_stack(out, &frag->run, sym, s->stack);
		putc('}', out);
	}
	fputs("],\"" HG_FRAG_PIN_TOP "s\":[", out);
	for (i = 0; i < frag->npin_tops; i++) {
		const struct hg_frag_pin_top *p = &frag->pin_tops[i];

		fprintf(out,
			"%s{\"arena\":%lu,\"segment\":%lu,\"address\":\"0x%" PRIx64
			"\",\"size\":%" PRIu64 ",\"stack\":%" PRIu64 ",\"free_below\":%" PRIu64
			",\"frames\":",
			i ? "," : "", (unsigned long)p->arena, (unsigned long)p->segment,
			p->address, p->size, hg_leaks_stack_id(&frag->run, p->stack),
			p->free_below);
		hg_put_json_stack(out, &frag->run, sym, p->stack);
		putc('}', out);
	}
	fputs("],\"" HG_FRAG_PIN_SITE "s\":[", out);
	for (i = 0; i < frag->npin_sites; i++) {
		const struct hg_frag_pin_site *s = &frag->pin_sites[i];

		fprintf(out,
			"%s{\"stack\":%" PRIu64 ",\"blocks\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"pinned\":%" PRIu64 ",\"pinning_blocks\":%" PRIu64 ",\"spans\":%" PRIu64
			",\"frames\":",
			i ? "," : "", hg_leaks_stack_id(&frag->run, s->stack), s->blocks, s->bytes,
			s->pinned, s->pinning_blocks, s->spans);
		hg_put_json_stack(out, &frag->run, sym, s->stack);
		putc('}', out);
	}
	putc(']', out);
}

/* Each segment with its map, the runs spelled out: one class a cell. */
static void hg_put_json_segments(FILE *out, const struct hg_frag *frag)
{
	size_t i;

	fputs(",\"" HG_FRAG_SEGMENT "s\":[", out);
	for (i = 0; i < frag->nsegments; i++) {
		const struct hg_frag_segment *seg = &frag->segments[i];

		fprintf(out,
			"%s{\"arena\":%lu,\"index\":%lu,\"lo\":\"0x%" PRIx64
			"\",\"hi\":\"0x%" PRIx64 "\",\"top\":",
			i ? "," : "", (unsigned long)seg->arena, (unsigned long)seg->index, seg->lo,
			seg->hi);
		if (seg->top)
			fprintf(out, "\"0x%" PRIx64 "\"", seg->top);
		else
			fputs("null", out);
		fprintf(out, ",\"cell\":%" PRIu64 ",\"" HG_FRAG_MAP "\":\"", seg->cell);
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
	hg_put_json_segments(out, frag);
	fputs("}\n", out);
}
