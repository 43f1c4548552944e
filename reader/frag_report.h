/* SPDX-License-Identifier: MIT */
/* A fragmentation report (<prefix>.frag.gz, heapguard-report(5); its format
 * is format/frag.h's) as the reader holds it once parsed and checked: every
 * stack reference resolved to an index, every count and map consistent, the
 * figures the writer computes consistent (free is the sum of its kinds, in
 * use is system minus free, the totals are the sums of the arenas), so the
 * printers below can index without checking again.  Figures from the bin
 * lists and from the walk of the chunks agree on a sound heap only: where
 * they do not, doubt says so. */
#ifndef HG_READER_FRAG_REPORT_H
#define HG_READER_FRAG_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../format/frag.h"
#include "leak_report.h"
#include "symbolize.h"

#define HG_FRAG_ALL_CELLS_MAX (1u << 26) /* map cells over all segments */
#define HG_FRAG_ALL	      UINT32_MAX /* the histogram of all arenas */

struct hg_frag_arena {
	uint64_t id;
	bool main;
	uint64_t fig[HG_FIGURES];
	uint32_t first_segment, nsegments; /* index into segments, as read */
};

struct hg_frag_mmapped {
	uint64_t chunks, system, live_bytes, requested, resident;
	bool has_usable; /* from format 1.1 */
	uint64_t usable;
	uint64_t quarantined; /* mapping bytes waiting in the quarantine */
};

/* The guard_pages record (2.1): enum hg_frag_guard_key's values. */
struct hg_frag_guard_pages {
	bool has;
	uint64_t v[HG_GUARD_KEYS];
};

/* One line of a free-chunk histogram: chunks in [lo, hi). */
struct hg_frag_class {
	uint32_t arena; /* index into arenas, or HG_FRAG_ALL */
	uint64_t lo, hi, chunks, bytes;
};

struct hg_frag_peak {
	uint64_t system, system_us;
	bool has_live; /* level=full: the live peak and the sites' moment */
	uint64_t live, live_us, sites_live, sites_us;
};

struct hg_frag_site {
	uint32_t stack; /* index into run.stacks, or HG_NO_STACK */
	uint64_t blocks, bytes;
};

/* One timeline line (format 2.1): the heap at t_us. */
struct hg_frag_sample {
	uint64_t t_us, system, quarantine;
	bool has_in_use; /* false at level=fast: in_use and free unknown */
	uint64_t in_use, free;
	bool has_resident;
	uint64_t resident;
};

struct hg_frag_pin_top {
	uint32_t arena, segment; /* segment: index within its arena */
	uint32_t stack;
	uint64_t address, size, free_below;
};

struct hg_frag_pin_site {
	uint32_t stack;
	uint64_t blocks, bytes, pinned, pinning_blocks, spans;
};

struct hg_frag_segment {
	uint32_t arena, index;
	uint64_t lo, hi, top, cell;
	uint32_t ncells;
	size_t cells; /* offset of its first cell in frag->cells */
	bool mapped;  /* false: its map line was empty (a truncated report) */
	/* The page map (format 2.1): nunits units of frag->page_unit bytes from
	 * lo rounded down to the unit, at frag->page_class + units; 0 units
	 * when the report has no pages lines for it. */
	uint32_t nunits, units_filled;
	size_t units;
};

struct hg_frag {
	/* The run: path, version, program, pid, ppid, time, level, status,
	 * arguments, options, modules, stacks and frames (no sites). */
	struct hg_leaks run;
	unsigned minor; /* of the format, whose major version is run.format */
	char *trigger;	/* exit, call, signal, error (or a newer word) */
	uint64_t uptime_us, page_size;
	struct hg_frag_arena *arenas;
	size_t narenas;
	struct hg_frag_mmapped mmapped;
	struct hg_frag_guard_pages guard_pages;
	uint64_t totals[HG_FIGURES];   /* HG_FIG_SEGMENTS: the segment count */
	struct hg_frag_class *classes; /* per arena in arena order, then all */
	size_t nclasses;
	struct hg_frag_peak peak;
	struct hg_frag_site *peak_sites;
	size_t npeak_sites;
	struct hg_frag_sample *timeline; /* by time, the report's moment last */
	size_t ntimeline;
	struct hg_frag_pin_top *pin_tops;
	size_t npin_tops;
	struct hg_frag_pin_site *pin_sites; /* by pinned bytes, descending */
	size_t npin_sites;
	struct hg_frag_segment *segments; /* by arena, then address */
	size_t nsegments;
	char *cells; /* one class a cell: U F T 1..9 . */
	size_t ncells;
	uint64_t page_unit;	/* bytes of a page map unit, 0 without pages lines */
	char *page_class;	/* one class a unit: U P F T . */
	uint32_t *page_stack; /* its site: index into run.stacks, or HG_NO_STACK */
	size_t nunits;
	bool truncated; /* the writer ran short of memory: maps or pins are missing */
	/* The first relation between listed and walked figures that does not
	 * hold ("PATH:LINE: what"), or NULL: the heap was damaged. */
	char *doubt;
};

/* true when path's first line names the fragmentation format (any
 * version): the file should then go to hg_frag_load, else to hg_leaks_load. */
bool hg_frag_sniff(const char *path);

/* Read and check path.  On failure, frag is left empty and err holds one line
 * "PATH:LINE: what is wrong" (or "PATH: why it cannot be read"). */
int hg_frag_load(const char *path, struct hg_frag *frag, char *err, size_t errlen);
void hg_frag_free(struct hg_frag *frag);

/* --- derived figures and printing (frag_view.c, frag_text.c, frag_json.c,
 * frag_svg.c) --- */

/* 1 - largest_free / free of one arena, 0 when nothing is free. */
double hg_frag_fragmentation(const uint64_t *fig);
/* The totals': the arenas' free bytes outside their largest free region
 * over their free bytes (heapguard-report(1)); the arenas holding some. */
double hg_frag_total_fragmentation(const struct hg_frag *frag);
size_t hg_frag_arenas_free(const struct hg_frag *frag);
/* free / system: the share of the heap that is free but held, 0 for none. */
double hg_frag_held(const uint64_t *fig);

/* Sizes for people: "512 bytes", "4.0 KiB", "57.2 MiB". */
const char *hg_frag_human(uint64_t bytes, char *buf, size_t size);
/* 10000 as "10,000". */
const char *hg_frag_count(uint64_t n, char *buf, size_t size);

/* The one-paragraph verdict, malloc'd (NULL out of memory).  Names the
 * pinning site by its innermost function when sym resolved it. */
char *hg_frag_verdict(const struct hg_frag *frag, const struct hg_symbolizer *sym);

/* The class of cells [from, to) of a segment seen as one: the same class
 * when they all have it, else T when top fills half, else U, F or the
 * tenths live ('1'..'9') of the cells that are not '.'. */
char hg_frag_merge_cells(const char *cells, size_t from, size_t to);

/* Frame i of a stack for people: "make_message swiss_cheese.c:22", else
 * "module+0xOFFSET"; empty past its last frame or for HG_NO_STACK. */
void hg_frag_frame_label(const struct hg_frag *frag, const struct hg_symbolizer *sym,
			 uint32_t stack, unsigned i, char *buf, size_t size);
/* Its first four frames, innermost first, joined by arrows. */
void hg_frag_site_label(const struct hg_frag *frag, const struct hg_symbolizer *sym,
			uint32_t stack, char *buf, size_t size);

/* Symbolizes every stack the report uses (sym may be NULL). */
void hg_frag_symbolize(const struct hg_frag *frag, struct hg_symbolizer *sym);

void hg_frag_print_text(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym);
void hg_frag_print_json(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym);
/* The page map (frag_pages.c) as SVG elements at (x, y), width wide: its
 * height (hg_frag_pages_height without drawing), and the legend line. */
double hg_frag_print_pages(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym,
			   double x, double y, double width);
double hg_frag_pages_height(const struct hg_frag *frag, double width);
void hg_frag_pages_legend(FILE *out, double x, double y);

void hg_frag_print_svg(FILE *out, const struct hg_frag *frag, const struct hg_symbolizer *sym);

#endif
