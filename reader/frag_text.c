/* SPDX-License-Identifier: MIT */
/* The fragmentation report for people: the run, the verdict, the totals with
 * exact bytes, one line per arena, the free-chunk histogram, the peak, the
 * chunks that hold the top up and the sites that pin free memory (stacks as
 * in the leak report), and a 64-column picture of each heap segment.
 * Strings from the report or from binaries go through hg_put_text. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag_report.h"
#include "output.h"

#define HG_TEXT_SITES	 10 /* pin_site stacks printed (JSON has all) */
#define HG_TEXT_SEGMENTS 8  /* map lines per arena */
#define HG_TEXT_COLUMNS	 64 /* characters per map line */
#define HG_TEXT_BAR	 30 /* histogram bar at most */

/* "  label   123,456 bytes (120.6 KiB)" */
static void hg_put_bytes(FILE *out, const char *label, uint64_t bytes)
{
	char exact[32], human[32];

	fprintf(out, "  %-16s%18s bytes", label, hg_frag_count(bytes, exact, sizeof(exact)));
	if (bytes >= 1024)
		fprintf(out, "  (%s)", hg_frag_human(bytes, human, sizeof(human)));
}

static double hg_share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void hg_print_run(FILE *out, const struct hg_frag *frag)
{
	const struct hg_leaks *r = &frag->run;

	hg_put_text_run(out, "heapguard fragmentation report", r);
	fprintf(out, "  time      %s, %.3f s after start\n", r->time_utc,
		(double)frag->uptime_us / 1e6);
	fputs("  written   ", out);
	if (strcmp(frag->trigger, hg_frag_trigger_name(HG_FRAG_AT_EXIT)) == 0)
		fputs("at exit", out);
	else if (strcmp(frag->trigger, hg_frag_trigger_name(HG_FRAG_ON_CALL)) == 0)
		fputs("on a heapguard_report() call", out);
	else if (strcmp(frag->trigger, hg_frag_trigger_name(HG_FRAG_ON_SIGNAL)) == 0)
		fputs("on the report signal", out);
	else if (strcmp(frag->trigger, hg_frag_trigger_name(HG_FRAG_ON_ERROR)) == 0)
		fputs("after a fatal heap error", out);
	else if (strcmp(frag->trigger, hg_frag_trigger_name(HG_FRAG_ON_CRASH)) == 0)
		fputs("on a crash signal (report_on_crash)", out);
	else
		hg_put_text(out, frag->trigger);
	if (r->has_status)
		fprintf(out, " (status %" PRIu64 ")", r->status);
	fprintf(out, "\n  level     %s\n  heapguard ", r->fast ? "fast" : "full");
	hg_put_text(out, r->version);
	putc('\n', out);
}

static void hg_print_verdict(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym)
{
	char *verdict = hg_frag_verdict(frag, sym);

	putc('\n', out);
	hg_put_text(out, verdict ? verdict : "(out of memory)");
	putc('\n', out);
	free(verdict);
	if (frag->doubt) {
		fputs("\nThe figures disagree: ", out);
		hg_put_text(out, frag->doubt);
		fputs("\n(the bin lists and the chunks tell different stories: the heap was "
		      "probably "
		      "damaged).\n",
		      out);
	}
	if (frag->truncated)
		fputs("\nThe report is incomplete: heapguard ran short of memory writing it, so "
		      "some "
		      "segments have no map\nand some pinning lines are missing.\n",
		      out);
}

static void hg_print_totals(FILE *out, const struct hg_frag *frag)
{
	static const char *const kinds[] = { "tcache", "fastbins", "unsorted",	"small",
					     "large",  "top",	   "quarantine" };
	const uint64_t *t = frag->totals;
	const struct hg_frag_mmapped *m = &frag->mmapped;
	char a[32], b[32], c[32];
	int k;

	fputs("\ntotals\n", out);
	hg_put_bytes(out, "system", t[HG_FIG_SYSTEM]);
	fputs("  heap segments and mmapped chunks\n", out);
	hg_put_bytes(out, "in use", t[HG_FIG_IN_USE]);
	fprintf(out, "  %s live blocks of %s, %s requested\n",
		hg_frag_count(t[HG_FIG_LIVE_BLOCKS], a, sizeof(a)),
		hg_frag_human(t[HG_FIG_LIVE_BYTES], b, sizeof(b)),
		hg_frag_human(t[HG_FIG_REQUESTED], c, sizeof(c)));
	hg_put_bytes(out, "free", t[HG_FIG_FREE]);
	fprintf(out, "  %.1f%% of system: free but held\n", 100.0 * hg_frag_held(t));
	for (k = HG_FIG_FREE_FIRST; k <= HG_FIG_FREE_LAST; k++) {
		char label[32];

		if (t[k] == 0)
			continue;
		snprintf(label, sizeof(label), "  %s", kinds[k - HG_FIG_FREE_FIRST]);
		hg_put_bytes(out, label, t[k]);
		fprintf(out, "  %.1f%% of free\n", hg_share(t[k], t[HG_FIG_FREE]));
	}
	fprintf(out, "  %-16s%18s\n", "free chunks",
		hg_frag_count(t[HG_FIG_FREE_CHUNKS], a, sizeof(a)));
	hg_put_bytes(out, "largest free", t[HG_FIG_LARGEST_FREE]);
	fputs("  region of adjacent free chunks\n", out);
	hg_put_bytes(out, "largest chunk", t[HG_FIG_LARGEST_CHUNK]);
	fputs("  free chunk, the top included\n", out);
	fprintf(out, "  %-16s%17.1f%%  %s\n", "fragmentation",
		100.0 * hg_frag_total_fragmentation(frag),
		hg_frag_arenas_free(frag) > 1
			? "free outside each arena's largest free region / free"
			: "1 - largest free / free");
	hg_put_bytes(out, "resident", t[HG_FIG_RESIDENT]);
	if (t[HG_FIG_IN_USE])
		fprintf(out, "  %.2fx the bytes in use\n",
			(double)t[HG_FIG_RESIDENT] / (double)t[HG_FIG_IN_USE]);
	else
		putc('\n', out);
	hg_put_bytes(out, "trimmable", t[HG_FIG_TRIMMABLE]);
	const struct hg_frag_guard_pages *g = &frag->guard_pages;
	if (g->has && (g->v[HG_GUARD_KEY_SAMPLED] || g->v[HG_GUARD_KEY_PROTECTED]))
		fprintf(out,
			"  guard pages     %" PRIu64 " sampled (%" PRIu64 " in a reused slot, %" PRIu64
			" live), %" PRIu64 " big freed blocks protected\n",
			g->v[HG_GUARD_KEY_SAMPLED], g->v[HG_GUARD_KEY_REUSED], g->v[HG_GUARD_KEY_LIVE],
			g->v[HG_GUARD_KEY_PROTECTED]);
	fputs("  malloc_trim(0) would return it now\n", out);
	if (m->chunks)
		fprintf(out, "  %-16s%18s %s in %s mapped, %s resident\n", "mmapped",
			hg_frag_count(m->chunks, a, sizeof(a)), m->chunks == 1 ? "chunk" : "chunks",
			hg_frag_human(m->system, b, sizeof(b)),
			hg_frag_human(m->resident, c, sizeof(c)));
	if (m->quarantined)
		fprintf(out, "  %-16s%18s bytes of mmapped chunks waiting in the quarantine\n",
			"quarantined", hg_frag_count(m->quarantined, a, sizeof(a)));
}

static void hg_print_arenas(FILE *out, const struct hg_frag *frag)
{
	char v[8][32];
	size_t i;

	fprintf(out, "\narenas\n  %5s %-6s %11s %11s %11s %11s %11s %6s %9s %11s %11s\n", "arena",
		"kind", "system", "in use", "free", "top", "largest", "frag", "chunks", "resident",
		"trimmable");
	for (i = 0; i < frag->narenas; i++) {
		const struct hg_frag_arena *a = &frag->arenas[i];

		fprintf(out, "  %5" PRIu64 " %-6s %11s %11s %11s %11s %11s %5.1f%% %9s %11s %11s\n",
			a->id, a->main ? HG_FRAG_KIND_MAIN : HG_FRAG_KIND_THREAD,
			hg_frag_human(a->fig[HG_FIG_SYSTEM], v[0], 32),
			hg_frag_human(a->fig[HG_FIG_IN_USE], v[1], 32),
			hg_frag_human(a->fig[HG_FIG_FREE], v[2], 32),
			hg_frag_human(a->fig[HG_FIG_TOP], v[3], 32),
			hg_frag_human(a->fig[HG_FIG_LARGEST_FREE], v[4], 32),
			100.0 * hg_frag_fragmentation(a->fig),
			hg_frag_count(a->fig[HG_FIG_FREE_CHUNKS], v[5], 32),
			hg_frag_human(a->fig[HG_FIG_RESIDENT], v[6], 32),
			hg_frag_human(a->fig[HG_FIG_TRIMMABLE], v[7], 32));
	}
}

static void hg_print_histogram(FILE *out, const struct hg_frag *frag)
{
	uint64_t most = 0;
	char a[32], b[32], c[32], range[80];
	size_t i;
	int n;

	for (i = 0; i < frag->nclasses; i++)
		if (frag->classes[i].arena == HG_FRAG_ALL && frag->classes[i].bytes > most)
			most = frag->classes[i].bytes;
	if (most == 0)
		return;
	fprintf(out, "\nfree chunks by size (all arenas, the top left out)\n  %-24s %11s %11s\n",
		"size", "chunks", "bytes");
	for (i = 0; i < frag->nclasses; i++) {
		const struct hg_frag_class *k = &frag->classes[i];

		if (k->arena != HG_FRAG_ALL)
			continue;
		snprintf(range, sizeof(range), "%s .. %s", hg_frag_human(k->lo, a, sizeof(a)),
			 hg_frag_human(k->hi, b, sizeof(b)));
		fprintf(out, "  %-24s %11s %11s  ", range, hg_frag_count(k->chunks, a, sizeof(a)),
			hg_frag_human(k->bytes, c, sizeof(c)));
		for (n = (int)((double)k->bytes / (double)most * HG_TEXT_BAR + 0.5); n > 0; n--)
			putc('#', out);
		putc('\n', out);
	}
}

static void hg_print_peak(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym)
{
	const struct hg_frag_peak *peak = &frag->peak;
	char a[32], b[32];
	size_t i;

	fprintf(out, "\npeak: %s from the system (%s bytes) at %.3f s",
		hg_frag_human(peak->system, a, sizeof(a)),
		hg_frag_count(peak->system, b, sizeof(b)), (double)peak->system_us / 1e6);
	if (peak->has_live)
		fprintf(out, "; %s live (%s bytes) at %.3f s",
			hg_frag_human(peak->live, a, sizeof(a)),
			hg_frag_count(peak->live, b, sizeof(b)), (double)peak->live_us / 1e6);
	putc('\n', out);
	if (frag->npeak_sites == 0)
		return;
	fprintf(out, "  the sites holding the most when %s were live, at %.3f s:\n",
		hg_frag_human(peak->sites_live, a, sizeof(a)), (double)peak->sites_us / 1e6);
	for (i = 0; i < frag->npeak_sites; i++) {
		const struct hg_frag_site *s = &frag->peak_sites[i];

		fprintf(out, "\n  %s in %s %s (%.1f%%)\n", hg_frag_human(s->bytes, a, sizeof(a)),
			hg_frag_count(s->blocks, b, sizeof(b)), s->blocks == 1 ? "block" : "blocks",
			hg_share(s->bytes, peak->sites_live));
		hg_put_text_stack(out, &frag->run, sym, s->stack);
	}
}

#define HG_TEXT_TIMELINE_ROWS 12

/* A figure of the timeline's table, or '-'. */
static void hg_put_text_known(FILE *out, bool known, uint64_t v)
{
	char a[32];

	fprintf(out, " %12s", known ? hg_frag_human(v, a, sizeof(a)) : "-");
}

/* A dozen of the samples, evenly spread, the first and the last among them. */
static void hg_print_timeline(FILE *out, const struct hg_frag *frag)
{
	size_t i, rows, n = frag->ntimeline;

	if (n == 0)
		return;
	fprintf(out, "\ntimeline: %zu %s over %.3f s\n", n, n == 1 ? "sample" : "samples",
		(double)frag->timeline[n - 1].t_us / 1e6);
	fprintf(out, "  %10s %12s %12s %12s %12s %12s\n", "time (s)", "system", "in use", "free",
		"quarantine", "resident");
	rows = n < HG_TEXT_TIMELINE_ROWS ? n : HG_TEXT_TIMELINE_ROWS;
	for (i = 0; i < rows; i++) {
		const struct hg_frag_sample *t =
			&frag->timeline[rows == 1 ? 0 : i * (n - 1) / (rows - 1)];

		fprintf(out, "  %10.3f", (double)t->t_us / 1e6);
		hg_put_text_known(out, true, t->system);
		hg_put_text_known(out, t->has_in_use, t->in_use);
		hg_put_text_known(out, t->has_in_use, t->free);
		hg_put_text_known(out, true, t->quarantine);
		hg_put_text_known(out, t->has_resident, t->resident);
		putc('\n', out);
	}
}

/* Consecutive chunks from one stack (a run of them under a top, often)
 * share one printing of the stack. */
static void hg_print_pin_tops(FILE *out, const struct hg_frag *frag,
			      const struct hg_symbolizer *sym)
{
	char a[32], b[32];
	size_t i;

	if (frag->npin_tops == 0)
		return;
	fputs("\nlive chunks holding the top of a heap up, from the top down (freeing one, and "
	      "those above it,\nwould add the free bytes below it to the top)\n",
	      out);
	for (i = 0; i < frag->npin_tops; i++) {
		const struct hg_frag_pin_top *pin = &frag->pin_tops[i];

		if (i == 0 || pin->stack != pin[-1].stack)
			putc('\n', out);
		fprintf(out, "  arena %lu segment %lu: chunk at 0x%" PRIx64 ", %s, %s free below\n",
			(unsigned long)pin->arena, (unsigned long)pin->segment, pin->address,
			hg_frag_human(pin->size, a, sizeof(a)),
			hg_frag_human(pin->free_below, b, sizeof(b)));
		if (i + 1 == frag->npin_tops || pin[1].stack != pin->stack)
			hg_put_text_stack(out, &frag->run, sym, pin->stack);
	}
}

static void hg_print_pin_sites(FILE *out, const struct hg_frag *frag,
			       const struct hg_symbolizer *sym)
{
	char a[32], b[32], c[32], d[32], e[32], f[32];
	size_t i;

	if (frag->npin_sites == 0) {
		fputs("\nno live chunk pins a free span of a page or more\n", out);
		return;
	}
	fputs("\nsites pinning free memory, by the free bytes they keep from being returned\n",
	      out);
	for (i = 0; i < frag->npin_sites && i < HG_TEXT_SITES; i++) {
		const struct hg_frag_pin_site *s = &frag->pin_sites[i];

		fprintf(out, "\n  %s pinned (%s bytes) in %s %s, by %s of its %s live %s (%s)\n",
			hg_frag_human(s->pinned, a, sizeof(a)),
			hg_frag_count(s->pinned, b, sizeof(b)),
			hg_frag_count(s->spans, c, sizeof(c)), s->spans == 1 ? "span" : "spans",
			hg_frag_count(s->pinning_blocks, d, sizeof(d)),
			hg_frag_count(s->blocks, e, sizeof(e)), s->blocks == 1 ? "block" : "blocks",
			hg_frag_human(s->bytes, f, sizeof(f)));
		hg_put_text_stack(out, &frag->run, sym, s->stack);
	}
	if (frag->npin_sites > HG_TEXT_SITES)
		fprintf(out, "\n  and %zu more sites (see --json)\n",
			frag->npin_sites - HG_TEXT_SITES);
}

static void hg_print_map(FILE *out, const struct hg_frag *frag)
{
	char a[32], b[32];
	size_t i, j, shown = 0;

	if (frag->nsegments == 0)
		return;
	fputs("\nheap map (U in use, F free, T top, 1-9 tenths in use, . neither)\n", out);
	for (i = 0; i < frag->nsegments; i++) {
		const struct hg_frag_segment *seg = &frag->segments[i];
		size_t cols = seg->ncells < HG_TEXT_COLUMNS ? seg->ncells : HG_TEXT_COLUMNS;

		if (seg->index == 0)
			shown = 0;
		if (shown++ == HG_TEXT_SEGMENTS) {
			fprintf(out, "  arena %lu: %lu more segments (see --json or --svg)\n",
				(unsigned long)seg->arena,
				(unsigned long)(frag->arenas[seg->arena].nsegments -
						HG_TEXT_SEGMENTS));
			continue;
		}
		if (shown > HG_TEXT_SEGMENTS)
			continue;
		fprintf(out,
			"  arena %lu segment %lu [0x%" PRIx64 ", 0x%" PRIx64
			") %s, cells of %s\n   |",
			(unsigned long)seg->arena, (unsigned long)seg->index, seg->lo, seg->hi,
			hg_frag_human(seg->hi - seg->lo, a, sizeof(a)),
			hg_frag_human(seg->cell, b, sizeof(b)));
		for (j = 0; j < cols; j++)
			putc(hg_frag_merge_cells(frag->cells + seg->cells, j * seg->ncells / cols,
						 (j + 1) * seg->ncells / cols),
			     out);
		fputs("|\n", out);
	}
}

void hg_frag_print_text(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym)
{
	hg_print_run(out, frag);
	hg_print_verdict(out, frag, sym);
	hg_print_totals(out, frag);
	hg_print_arenas(out, frag);
	hg_print_histogram(out, frag);
	hg_print_peak(out, frag, sym);
	hg_print_timeline(out, frag);
	hg_print_pin_tops(out, frag, sym);
	hg_print_pin_sites(out, frag, sym);
	hg_print_map(out, frag);
}
