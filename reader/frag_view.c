/* SPDX-License-Identifier: MIT */
/* What the fragmentation printers derive from a parsed report: the
 * fragmentation and free-but-held shares, sizes and counts for people, the
 * merged class of a run of map cells, and the verdict, whose wording follows
 * the numbers (compact heap, free space in one piece, or Swiss cheese with
 * the site that pins it); the totals' fragmentation from the arenas'. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frag_report.h"

/* Below this share of the heap free, the heap is called compact. */
#define HG_VERDICT_COMPACT 0.10
/* Below this fragmentation, free space counts as one piece. */
#define HG_VERDICT_ONE_PIECE 0.25

double hg_frag_fragmentation(const uint64_t *fig)
{
	if (fig[HG_FIG_FREE] == 0)
		return 0.0;
	return 1.0 - (double)fig[HG_FIG_LARGEST_FREE] / (double)fig[HG_FIG_FREE];
}

/* Each arena has a top and a free list of its own: no free chunk of one
 * arena can join another's, or serve its requests.  So the bytes that are
 * fragmented are counted per arena, those outside its largest free region
 * (the top, with the free chunks right below it, unless the heap is Swiss
 * cheese), and the arenas' largest regions are all pieces, not one the
 * piece and the others fragments, as 1 - largest / free over the summed
 * figures would have it. */
double hg_frag_total_fragmentation(const struct hg_frag *frag)
{
	uint64_t free = 0, fragmented = 0;
	size_t i;

	for (i = 0; i < frag->narenas; i++) {
		const uint64_t *fig = frag->arenas[i].fig;

		free += fig[HG_FIG_FREE];
		if (fig[HG_FIG_FREE] > fig[HG_FIG_LARGEST_FREE])
			fragmented += fig[HG_FIG_FREE] - fig[HG_FIG_LARGEST_FREE];
	}
	if (free == 0)
		return 0.0;
	return (double)fragmented / (double)free;
}

size_t hg_frag_arenas_free(const struct hg_frag *frag)
{
	size_t i, n = 0;

	for (i = 0; i < frag->narenas; i++)
		n += frag->arenas[i].fig[HG_FIG_FREE] != 0;
	return n;
}

double hg_frag_held(const uint64_t *fig)
{
	if (fig[HG_FIG_SYSTEM] == 0)
		return 0.0;
	return (double)fig[HG_FIG_FREE] / (double)fig[HG_FIG_SYSTEM];
}

const char *hg_frag_human(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 " %s", bytes, bytes == 1 ? "byte" : "bytes");
		return buf;
	}
	/* 1023.95 KiB would print as 1024.0 KiB: move up a unit first. */
	while (v >= 1023.95 && u < 5) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}

const char *hg_frag_count(uint64_t n, char *buf, size_t size)
{
	char digits[32];
	size_t len, i, o = 0;

	len = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, n);
	for (i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

char hg_frag_merge_cells(const char *cells, size_t from, size_t to)
{
	size_t i, top = 0, none = 0, real;
	uint64_t live = 0; /* in tenths of a cell */

	if (from >= to)
		return '.';
	for (i = from; i < to && cells[i] == cells[from]; i++)
		;
	if (i == to)
		return cells[from];
	for (i = from; i < to; i++) {
		char c = cells[i];

		if (c == 'U')
			live += 10;
		else if (c >= '1' && c <= '9')
			live += (uint64_t)(c - '0');
		else if (c == 'T')
			top++;
		else if (c == '.')
			none++;
	}
	real = (to - from) - none;
	if (real == 0)
		return '.';
	if (2 * top >= to - from)
		return 'T';
	if (live == 0)
		return 'F';
	if (live == 10 * (uint64_t)real)
		return 'U';
	/* Round up, so that a little live data never shows as free. */
	live = (live + real - 1) / real;
	return (char)('0' + (live < 1 ? 1 : live > 9 ? 9 : live));
}

void hg_frag_symbolize(const struct hg_frag *frag, struct hg_symbolizer *sym)
{
	uint32_t *stacks;
	size_t i;

	if (!sym)
		return;
	stacks = malloc((frag->run.nstacks ? frag->run.nstacks : 1) * sizeof(*stacks));
	if (!stacks)
		return;
	for (i = 0; i < frag->run.nstacks; i++)
		stacks[i] = (uint32_t)i;
	hg_sym_resolve_stacks(sym, stacks, frag->run.nstacks);
	free(stacks);
}

void hg_frag_frame_label(const struct hg_frag *frag, const struct hg_symbolizer *sym,
			 uint32_t stack, unsigned i, char *buf, size_t size)
{
	const struct hg_leaks *r = &frag->run;
	const struct hg_leak_frame *frames;
	const struct hg_sym_frame *sf;
	const char *slash, *file;
	unsigned count;

	buf[0] = '\0';
	if (stack == HG_NO_STACK)
		return;
	frames = hg_leaks_stack(r, stack, &count);
	if (i >= count)
		return;
	sf = hg_sym_frame(sym, (size_t)(frames - r->frames) + i);
	if (sf && sf->count && sf->entries[0].function) {
		file = sf->entries[0].file;
		slash = file ? strrchr(file, '/') : NULL;
		if (file && sf->entries[0].line)
			snprintf(buf, size, "%s %s:%u", sf->entries[0].function,
				 slash ? slash + 1 : file, sf->entries[0].line);
		else
			snprintf(buf, size, "%s", sf->entries[0].function);
		return;
	}
	if (frames[i].module == HG_NO_MODULE) {
		snprintf(buf, size, "0x%" PRIx64, frames[i].offset);
		return;
	}
	slash = strrchr(r->modules[frames[i].module].path, '/');
	snprintf(buf, size, "%s+0x%" PRIx64, slash ? slash + 1 : r->modules[frames[i].module].path,
		 frames[i].offset);
}

void hg_frag_site_label(const struct hg_frag *frag, const struct hg_symbolizer *sym, uint32_t stack,
			char *buf, size_t size)
{
	size_t used = 0;
	unsigned i;
	char frame[256];

	snprintf(buf, size, "%s", stack == HG_NO_STACK ? "(no stack)" : "");
	for (i = 0; i < 4 && stack != HG_NO_STACK; i++) {
		hg_frag_frame_label(frag, sym, stack, i, frame, sizeof(frame));
		if (!frame[0])
			break;
		used = strlen(buf);
		snprintf(buf + used, size - used, "%s%s", i ? " \xe2\x86\x90 " : "", frame);
	}
}

/* "make_message()" for the innermost named function of a stack (not
 * HG_NO_STACK), else "The code at" its innermost frame (it starts a
 * sentence). */
static void hg_put_site_name(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym,
			     uint32_t stack)
{
	const struct hg_leaks *r = &frag->run;
	const struct hg_leak_frame *frames;
	unsigned i, count;
	const char *slash;

	frames = hg_leaks_stack(r, stack, &count);
	for (i = 0; i < count; i++) {
		const struct hg_sym_frame *sf = hg_sym_frame(sym, (size_t)(frames - r->frames) + i);

		if (sf->count && sf->entries[0].function) {
			fprintf(out, "%s()", sf->entries[0].function);
			return;
		}
	}
	if (frames[0].module == HG_NO_MODULE) {
		fprintf(out, "The code at 0x%" PRIx64, frames[0].offset);
		return;
	}
	slash = strrchr(r->modules[frames[0].module].path, '/');
	fprintf(out, "The code at %s+0x%" PRIx64,
		slash ? slash + 1 : r->modules[frames[0].module].path, frames[0].offset);
}

static void hg_verdict_trim(FILE *out, const uint64_t *t)
{
	char a[32];

	if (t[HG_FIG_TRIMMABLE] == 0)
		fputs(" malloc_trim would return nothing now.", out);
	else
		fprintf(out, " malloc_trim would return %s.",
			hg_frag_human(t[HG_FIG_TRIMMABLE], a, sizeof(a)));
}

/* The Swiss-cheese case: free memory in many pieces, held by live chunks. */
static void hg_verdict_scattered(FILE *out, const struct hg_frag *frag,
				 const struct hg_symbolizer *sym)
{
	const uint64_t *t = frag->totals;
	const struct hg_frag_pin_site *pin = frag->npin_sites ? &frag->pin_sites[0] : NULL;
	char a[32], b[32], c[32];

	fprintf(out,
		"%.0f%% of the heap is free but held: %s free in %s chunks, the largest free "
		"region only %s",
		100.0 * hg_frag_held(t), hg_frag_human(t[HG_FIG_FREE], a, sizeof(a)),
		hg_frag_count(t[HG_FIG_FREE_CHUNKS], b, sizeof(b)),
		hg_frag_human(t[HG_FIG_LARGEST_FREE], c, sizeof(c)));
	fprintf(out, " (fragmentation %.1f%%).", 100.0 * hg_frag_total_fragmentation(frag));
	if (pin && pin->stack == HG_NO_STACK) {
		fprintf(out, " %s live %s from unrecorded sites%s sit across it, pinning %s",
			hg_frag_count(pin->blocks, a, sizeof(a)),
			pin->blocks == 1 ? "chunk" : "chunks",
			frag->run.fast ? " (level=fast records no stacks)" : "",
			hg_frag_human(pin->pinned, b, sizeof(b)));
		if (frag->npin_sites > 1)
			fprintf(out, " (%zu sites pin free memory)", frag->npin_sites);
		fputc('.', out);
	} else if (pin) {
		fputc(' ', out);
		hg_put_site_name(out, frag, sym, pin->stack);
		fprintf(out, " keeps %s live %s spread across it, pinning %s",
			hg_frag_count(pin->blocks, a, sizeof(a)),
			pin->blocks == 1 ? "chunk" : "chunks",
			hg_frag_human(pin->pinned, b, sizeof(b)));
		if (frag->npin_sites > 1)
			fprintf(out, " (%zu sites pin free memory)", frag->npin_sites);
		fputc('.', out);
	} else {
		fputs(" No live chunk pins a free span of a page or more.", out);
	}
	hg_verdict_trim(out, t);
}

/* Free memory mostly in one piece: the top, as a rule.  With several
 * arenas holding free memory, one piece in each. */
static void hg_verdict_one_piece(FILE *out, const struct hg_frag *frag, double held)
{
	const uint64_t *t = frag->totals;
	size_t i, holding = hg_frag_arenas_free(frag);
	uint64_t largest = 0;
	bool tops = true;
	char a[32], b[32];

	if (holding <= 1) {
		fprintf(out, "%.0f%% of the heap is free, mostly in one piece: %s%s of the %s free",
			100.0 * held, hg_frag_human(t[HG_FIG_LARGEST_FREE], a, sizeof(a)),
			t[HG_FIG_TOP] == t[HG_FIG_LARGEST_FREE] ? " (the top)" : "",
			hg_frag_human(t[HG_FIG_FREE], b, sizeof(b)));
	} else {
		for (i = 0; i < frag->narenas; i++) {
			const uint64_t *fig = frag->arenas[i].fig;

			largest += fig[HG_FIG_LARGEST_FREE];
			if (fig[HG_FIG_FREE] && fig[HG_FIG_TOP] != fig[HG_FIG_LARGEST_FREE])
				tops = false;
		}
		fprintf(out,
			"%.0f%% of the heap is free, mostly in one piece per arena: %s of the %s "
			"free lies in the largest free region%s of each of the %zu arenas that "
			"hold it",
			100.0 * held, hg_frag_human(largest, a, sizeof(a)),
			hg_frag_human(t[HG_FIG_FREE], b, sizeof(b)), tops ? " (the top)" : "",
			holding);
	}
	fprintf(out, ", fragmentation %.1f%%.", 100.0 * hg_frag_total_fragmentation(frag));
	hg_verdict_trim(out, t);
}

static void hg_verdict_write(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym)
{
	const uint64_t *t = frag->totals;
	double held = hg_frag_held(t);
	char a[32], b[32];

	if (t[HG_FIG_SYSTEM] == 0) {
		fputs("The heap is empty: nothing was taken from the system.", out);
		return;
	}
	if (held < HG_VERDICT_COMPACT) {
		fprintf(out, "The heap is compact: %.0f%% free (%s of %s).", 100.0 * held,
			hg_frag_human(t[HG_FIG_FREE], a, sizeof(a)),
			hg_frag_human(t[HG_FIG_SYSTEM], b, sizeof(b)));
		if (t[HG_FIG_TRIMMABLE])
			hg_verdict_trim(out, t);
		return;
	}
	if (hg_frag_total_fragmentation(frag) < HG_VERDICT_ONE_PIECE) {
		hg_verdict_one_piece(out, frag, held);
		return;
	}
	hg_verdict_scattered(out, frag, sym);
}

char *hg_frag_verdict(const struct hg_frag *frag, const struct hg_symbolizer *sym)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	hg_verdict_write(out, frag, sym);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
