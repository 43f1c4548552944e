/* SPDX-License-Identifier: MIT */
/* The fragmentation report format, heapguard-frag (heapguard-report(5)): its
 * first line and version, its records in file order, the keys of its
 * key=value records, the triggers, the histogram's size classes and the
 * heap map's cells.  Shared by the writer (report/frag.c) and the reader
 * (reader/frag_parse.c); see format/common.h for what both formats have. */
#ifndef HG_FORMAT_FRAG_H
#define HG_FORMAT_FRAG_H

#include <stdint.h>

#include "common.h"

/* The format's name: in its first line, its files' names and the
 * "report" member of heapguard-report's JSON. */
#define HG_FRAG_NAME   "frag"
#define HG_FRAG_SUFFIX "." HG_FRAG_NAME ".gz" /* after the report= prefix */
#define HG_FRAG_MAGIC  "heapguard-" HG_FRAG_NAME
/* A minor version only adds what a reader of its major version skips.
 * 1.1: usable= in the mmapped record.  2: the option lines of
 * heapguard-leaks 2.  2.1: the timeline, pages and guard_pages records.  Readers still read 1
 * and 1.1. */
#define HG_FRAG_FORMAT_VERSION 2
#define HG_FRAG_FORMAT_MINOR   1
#define HG_FRAG_FORMAT_OLDEST  1

#define HG_FRAG_TRIGGER	  "trigger"
#define HG_FRAG_UPTIME	  "uptime_us"
#define HG_FRAG_PAGE_SIZE "page_size"
#define HG_FRAG_ARENA	  "arena"     /* id kind=KIND figures segments= */
#define HG_FRAG_MMAPPED	  "mmapped"   /* enum hg_frag_mmapped_key */
#define HG_FRAG_GUARD_PAGES "guard_pages" /* enum hg_frag_guard_key (2.1) */
#define HG_FRAG_TOTALS	  "totals"    /* figures */
#define HG_FRAG_HISTOGRAM "histogram" /* arena lo hi chunks bytes */
#define HG_FRAG_PEAK	  "peak"      /* enum hg_frag_peak_key */
#define HG_FRAG_PEAK_SITE "peak_site" /* stack blocks bytes */
#define HG_FRAG_TIMELINE  "timeline"  /* t_us system in_use free quarantine resident */
#define HG_FRAG_PIN_TOP	  "pin_top"   /* arena segment address size stack free_below */
#define HG_FRAG_PIN_SITE  "pin_site"  /* stack blocks bytes pinned pinning_blocks spans */
#define HG_FRAG_SEGMENT	  "segment"   /* arena index lo hi top cell */
#define HG_FRAG_MAP	  "map"	      /* arena index runs */
#define HG_FRAG_PAGES	  "pages"     /* arena index unit first runs */
#define HG_FRAG_TRUNCATED "truncated" /* 1: the writer ran short of memory */
#define HG_FRAG_END	  "end"	      /* arenas segments stacks */

/* The records in file order.  Unknown records are skipped anywhere after
 * the first line. */
enum hg_frag_record {
	HG_FRAG_REC_MAGIC,
	HG_FRAG_REC_VERSION,
	HG_FRAG_REC_PROGRAM,
	HG_FRAG_REC_PID,
	HG_FRAG_REC_PPID,
	HG_FRAG_REC_TIME,
	HG_FRAG_REC_LEVEL,
	HG_FRAG_REC_TRIGGER,
	HG_FRAG_REC_STATUS, /* only when the trigger is exit */
	HG_FRAG_REC_UPTIME,
	HG_FRAG_REC_PAGE_SIZE,
	HG_FRAG_REC_ARG,
	HG_FRAG_REC_OPTION,
	HG_FRAG_REC_MODULE,
	HG_FRAG_REC_STACK,
	HG_FRAG_REC_ARENA,
	HG_FRAG_REC_MMAPPED,
	HG_FRAG_REC_GUARD_PAGES,
	HG_FRAG_REC_TOTALS,
	HG_FRAG_REC_HISTOGRAM,
	HG_FRAG_REC_PEAK,
	HG_FRAG_REC_PEAK_SITE,
	HG_FRAG_REC_TIMELINE, /* from 2.1 */
	HG_FRAG_REC_PIN_TOP,
	HG_FRAG_REC_PIN_SITE,
	HG_FRAG_REC_SEGMENT,
	HG_FRAG_REC_MAP, /* right after its segment line */
	HG_FRAG_REC_PAGES, /* from 2.1 */
	HG_FRAG_REC_TRUNCATED,
	HG_FRAG_REC_END,
	HG_FRAG_RECORDS,
};

static inline const struct hg_fmt_record *hg_frag_records(void)
{
	static const struct hg_fmt_record records[HG_FRAG_RECORDS] = {
		[HG_FRAG_REC_MAGIC] = { HG_FRAG_MAGIC, false, true },
		[HG_FRAG_REC_VERSION] = { HG_FMT_VERSION, false, true },
		[HG_FRAG_REC_PROGRAM] = { HG_FMT_PROGRAM, false, true },
		[HG_FRAG_REC_PID] = { HG_FMT_PID, false, true },
		[HG_FRAG_REC_PPID] = { HG_FMT_PPID, false, true },
		[HG_FRAG_REC_TIME] = { HG_FMT_TIME, false, true },
		[HG_FRAG_REC_LEVEL] = { HG_FMT_LEVEL, false, true },
		[HG_FRAG_REC_TRIGGER] = { HG_FRAG_TRIGGER, false, true },
		[HG_FRAG_REC_STATUS] = { HG_FMT_STATUS, false, false },
		[HG_FRAG_REC_UPTIME] = { HG_FRAG_UPTIME, false, true },
		[HG_FRAG_REC_PAGE_SIZE] = { HG_FRAG_PAGE_SIZE, false, true },
		[HG_FRAG_REC_ARG] = { HG_FMT_ARG, true, false },
		[HG_FRAG_REC_OPTION] = { HG_FMT_OPTION, true, false },
		[HG_FRAG_REC_MODULE] = { HG_FMT_MODULE, true, false },
		[HG_FRAG_REC_STACK] = { HG_FMT_STACK, true, false },
		[HG_FRAG_REC_ARENA] = { HG_FRAG_ARENA, true, false },
		[HG_FRAG_REC_MMAPPED] = { HG_FRAG_MMAPPED, false, true },
		[HG_FRAG_REC_GUARD_PAGES] = { HG_FRAG_GUARD_PAGES, false, false },
		[HG_FRAG_REC_TOTALS] = { HG_FRAG_TOTALS, false, true },
		[HG_FRAG_REC_HISTOGRAM] = { HG_FRAG_HISTOGRAM, true, false },
		[HG_FRAG_REC_PEAK] = { HG_FRAG_PEAK, false, true },
		[HG_FRAG_REC_PEAK_SITE] = { HG_FRAG_PEAK_SITE, true, false },
		[HG_FRAG_REC_TIMELINE] = { HG_FRAG_TIMELINE, true, false },
		[HG_FRAG_REC_PIN_TOP] = { HG_FRAG_PIN_TOP, true, false },
		[HG_FRAG_REC_PIN_SITE] = { HG_FRAG_PIN_SITE, true, false },
		[HG_FRAG_REC_SEGMENT] = { HG_FRAG_SEGMENT, true, false },
		[HG_FRAG_REC_MAP] = { HG_FRAG_MAP, true, false },
		[HG_FRAG_REC_PAGES] = { HG_FRAG_PAGES, true, false },
		[HG_FRAG_REC_TRUNCATED] = { HG_FRAG_TRUNCATED, false, false },
		[HG_FRAG_REC_END] = { HG_FRAG_END, false, true },
	};
	return records;
}

/* Why a report was written: the trigger line's word. */
enum hg_frag_trigger {
	HG_FRAG_AT_EXIT,   /* the program exits */
	HG_FRAG_ON_CALL,   /* heapguard_report() */
	HG_FRAG_ON_SIGNAL, /* report_signal= was delivered */
	HG_FRAG_ON_ERROR,  /* a heap error is about to abort the program */
	HG_FRAG_ON_CRASH,  /* report_on_crash=1: a fatal signal */
	HG_FRAG_TRIGGERS,
};

static inline const char *hg_frag_trigger_name(enum hg_frag_trigger trigger)
{
	static const char *const names[HG_FRAG_TRIGGERS] = { "exit", "call", "signal", "error",
							     "crash" };
	return (unsigned)trigger < HG_FRAG_TRIGGERS ? names[trigger] : "?";
}

/* The arena record: kind=main for arena 0, kind=thread for the others. */
#define HG_FRAG_ARENA_KIND  "kind"
#define HG_FRAG_KIND_MAIN   "main"
#define HG_FRAG_KIND_THREAD "thread"
#define HG_FRAG_ARENAS_MAX  65536
/* The histogram lines of all arenas together name this instead of an arena. */
#define HG_FRAG_HISTOGRAM_ALL "all"

/* The figures of the arena and totals records, in the order they are
 * written (readers take them in any order). */
enum hg_frag_figure {
	HG_FIG_SYSTEM,
	HG_FIG_IN_USE,
	HG_FIG_FREE,
	HG_FIG_TCACHE,
	HG_FIG_FASTBINS,
	HG_FIG_UNSORTED,
	HG_FIG_SMALL,
	HG_FIG_LARGE,
	HG_FIG_TOP,
	HG_FIG_QUARANTINE,
	HG_FIG_FREE_CHUNKS,
	HG_FIG_LARGEST_FREE,  /* the largest free region: adjacent free chunks */
	HG_FIG_LARGEST_CHUNK, /* the largest single free chunk */
	HG_FIG_LIVE_BLOCKS,
	HG_FIG_LIVE_BYTES,
	HG_FIG_USABLE,
	HG_FIG_REQUESTED,
	HG_FIG_RESIDENT,
	HG_FIG_TRIMMABLE,
	HG_FIG_SEGMENTS, /* arenas only */
	HG_FIGURES,
};

/* The kinds free bytes are split into: tcache .. quarantine. */
#define HG_FIG_FREE_FIRST HG_FIG_TCACHE
#define HG_FIG_FREE_LAST  HG_FIG_QUARANTINE

static inline const char *hg_frag_figure_key(enum hg_frag_figure fig)
{
	static const char *const keys[HG_FIGURES] = {
		[HG_FIG_SYSTEM] = "system",
		[HG_FIG_IN_USE] = "in_use",
		[HG_FIG_FREE] = "free",
		[HG_FIG_TCACHE] = "tcache",
		[HG_FIG_FASTBINS] = "fastbins",
		[HG_FIG_UNSORTED] = "unsorted",
		[HG_FIG_SMALL] = "small",
		[HG_FIG_LARGE] = "large",
		[HG_FIG_TOP] = "top",
		[HG_FIG_QUARANTINE] = "quarantine",
		[HG_FIG_FREE_CHUNKS] = "free_chunks",
		[HG_FIG_LARGEST_FREE] = "largest_free",
		[HG_FIG_LARGEST_CHUNK] = "largest_chunk",
		[HG_FIG_LIVE_BLOCKS] = "live_blocks",
		[HG_FIG_LIVE_BYTES] = "live_bytes",
		[HG_FIG_USABLE] = "usable",
		[HG_FIG_REQUESTED] = "requested",
		[HG_FIG_RESIDENT] = "resident",
		[HG_FIG_TRIMMABLE] = "trimmable",
		[HG_FIG_SEGMENTS] = "segments",
	};
	return (unsigned)fig < HG_FIGURES ? keys[fig] : "?";
}

/* The mmapped record's keys, in the order they are written. */
enum hg_frag_mmapped_key {
	HG_MM_CHUNKS,
	HG_MM_SYSTEM,
	HG_MM_LIVE_BYTES,
	HG_MM_USABLE, /* from 1.1 */
	HG_MM_REQUESTED,
	HG_MM_RESIDENT,
	HG_MM_QUARANTINED, /* optional */
	HG_MM_KEYS,
};

static inline const char *hg_frag_mmapped_key(enum hg_frag_mmapped_key key)
{
	static const char *const keys[HG_MM_KEYS] = {
		"chunks", "system", "live_bytes", "usable", "requested", "resident", "quarantined",
	};
	return (unsigned)key < HG_MM_KEYS ? keys[key] : "?";
}

/* The guard_pages record's keys (heapguard(7), GUARD PAGES). */
enum hg_frag_guard_key {
	HG_GUARD_KEY_SLOTS,	    /* slots in the sample pool, 0 before it is reserved */
	HG_GUARD_KEY_SAMPLED,	    /* allocations served from a slot */
	HG_GUARD_KEY_REUSED,	    /* of which took a slot freed before */
	HG_GUARD_KEY_LIVE,	    /* slots with a live block now */
	HG_GUARD_KEY_PROTECTED,	    /* big freed blocks whose pages were protected */
	HG_GUARD_KEY_PROTECTED_NOW, /* of which are in the quarantine now */
	HG_GUARD_KEYS,
};

static inline const char *hg_frag_guard_key(enum hg_frag_guard_key key)
{
	static const char *const keys[HG_GUARD_KEYS] = {
		"slots", "sampled", "reused", "live", "protected", "protected_now",
	};
	return (unsigned)key < HG_GUARD_KEYS ? keys[key] : "?";
}

/* The peak record's keys: the first two always, the others at level=full. */
enum hg_frag_peak_key {
	HG_PEAK_KEY_SYSTEM,
	HG_PEAK_KEY_SYSTEM_US,
	HG_PEAK_KEY_LIVE,
	HG_PEAK_KEY_LIVE_US,
	HG_PEAK_KEY_SITES_LIVE,
	HG_PEAK_KEY_SITES_US,
	HG_PEAK_KEYS,
};
#define HG_PEAK_KEYS_FAST (HG_PEAK_KEY_SYSTEM_US + 1)

static inline const char *hg_frag_peak_key(enum hg_frag_peak_key key)
{
	static const char *const keys[HG_PEAK_KEYS] = {
		"system", "system_us", "live", "live_us", "sites_live", "sites_us",
	};
	return (unsigned)key < HG_PEAK_KEYS ? keys[key] : "?";
}

/* How many lines of a kind a report has at most. */
#define HG_FRAG_PEAK_SITES_MAX 10 /* peak_site */
#define HG_FRAG_TOP_PINS       8  /* pin_top, per segment */
#define HG_FRAG_PIN_SITES      50 /* pin_site */

/* ---- the timeline ---- */

/* At most this many timeline lines, the report's moment the last; the
 * first step between samples, doubled each time the samples run out. */
#define HG_FRAG_TIMELINE_MAX	 1000
#define HG_FRAG_TIMELINE_STEP_US 1000
/* A figure the process does not know (in_use and free at level=fast, the
 * resident set without /proc). */
#define HG_FRAG_UNKNOWN "-"

/* ---- the histogram: free chunk sizes in classes [2^k, 2^(k+1)) ---- */

/* The smallest class starts at 32, the largest at 2^62. */
#define HG_FRAG_CLASS_MIN_SHIFT 5
#define HG_FRAG_CLASSES		(63 - HG_FRAG_CLASS_MIN_SHIFT)

/* The class of a free chunk of size bytes (32 <= size < 2^63): it holds
 * sizes from 2^(class + 5) up to twice that, excluded. */
static inline unsigned hg_frag_size_class(uint64_t size)
{
	unsigned bit = 63u - (unsigned)__builtin_clzll(size | 1);
	unsigned c = bit < HG_FRAG_CLASS_MIN_SHIFT ? 0 : bit - HG_FRAG_CLASS_MIN_SHIFT;
	return c < HG_FRAG_CLASSES ? c : HG_FRAG_CLASSES - 1;
}

static inline uint64_t hg_frag_class_lo(unsigned c)
{
	return (uint64_t)1 << (c + HG_FRAG_CLASS_MIN_SHIFT);
}

/* ---- the heap map ---- */

#define HG_FRAG_CELLS_MAX 4096 /* cells of one segment's map */
#define HG_FRAG_CELL_MIN  16   /* bytes of the smallest cell */
#define HG_FRAG_MAP_RUN	  '*'  /* CLASS*COUNT */

/* Cell classes.  The mixed ones are '1' to '9': tenths live. */
#define HG_FRAG_CELL_LIVE    'U' /* all live */
#define HG_FRAG_CELL_FREE    'F' /* all free: bins, caches, quarantine */
#define HG_FRAG_CELL_TOP     'T' /* top (more top than other free bytes) */
#define HG_FRAG_CELL_NEITHER '.' /* heap headers, fenceposts */
#define HG_FRAG_CELL_CLASSES "UFT123456789."

/* The cells of a segment of span bytes in cells of cell bytes: the last
 * one may be partial. */
static inline uint64_t hg_frag_cells(uint64_t span, uint64_t cell)
{
	return span / cell + (span % cell != 0);
}

/* The cell size of a segment of span bytes: the smallest power of two from
 * HG_FRAG_CELL_MIN that makes at most HG_FRAG_CELLS_MAX cells. */
static inline uint64_t hg_frag_cell_size(uint64_t span)
{
	uint64_t cell = HG_FRAG_CELL_MIN;
	while (hg_frag_cells(span, cell) > HG_FRAG_CELLS_MAX)
		cell *= 2;
	return cell;
}

/* The class of a cell holding live, free and top bytes (a partial last
 * cell holds fewer than a cell's bytes: its class is that of those). */
static inline char hg_frag_cell_class(uint64_t live, uint64_t free_bytes, uint64_t top)
{
	uint64_t all = live + free_bytes + top;
	if (all == 0)
		return HG_FRAG_CELL_NEITHER;
	if (live == 0)
		return top > free_bytes ? HG_FRAG_CELL_TOP : HG_FRAG_CELL_FREE;
	if (live == all)
		return HG_FRAG_CELL_LIVE;
	unsigned tenths = (unsigned)(live * 10 / all);
	return (char)('0' + (tenths < 1 ? 1 : tenths > 9 ? 9 : tenths));
}

/* ---- the page map: the segments in units of pages ---- */

/* The unit: the smallest power-of-two multiple of the page size that
 * makes the arenas' system bytes at most HG_FRAG_UNITS_AIM units; a
 * segment's units run from its start rounded down to the unit to its end
 * rounded up, and a report has at most HG_FRAG_UNITS_MAX of them (the
 * segments past that have no pages lines, and the report says truncated). */
#define HG_FRAG_UNITS_AIM	  131072
#define HG_FRAG_UNITS_MAX	  262144
#define HG_FRAG_PAGES_PER_LINE 512 /* runs of a pages line, at most */
#define HG_FRAG_PAGES_STACK	  ':' /* CLASS[*COUNT][:STACK] */

/* Unit classes. */
#define HG_FRAG_PAGE_USED    'U' /* live bytes, at least as many as free ones */
#define HG_FRAG_PAGE_PINNED  'P' /* live bytes, fewer than the free ones */
#define HG_FRAG_PAGE_FREE    'F' /* free bytes, not top, and nothing live */
#define HG_FRAG_PAGE_TOP     'T' /* top, more than other free bytes, nothing live */
#define HG_FRAG_PAGE_NEITHER '.' /* heap headers, fenceposts, outside the segment */
#define HG_FRAG_PAGE_CLASSES "UPFT."

static inline char hg_frag_page_class(uint64_t live, uint64_t free_bytes, uint64_t top)
{
	if (live != 0)
		return live >= free_bytes + top ? HG_FRAG_PAGE_USED : HG_FRAG_PAGE_PINNED;
	if (free_bytes == 0 && top == 0)
		return HG_FRAG_PAGE_NEITHER;
	return top > free_bytes ? HG_FRAG_PAGE_TOP : HG_FRAG_PAGE_FREE;
}

/* The unit for arenas of system bytes in all, pages of page bytes. */
static inline uint64_t hg_frag_page_unit(uint64_t system, uint64_t page)
{
	uint64_t unit = page;
	while (system / unit > HG_FRAG_UNITS_AIM)
		unit *= 2;
	return unit;
}

/* The units of segment [lo, hi). */
static inline uint64_t hg_frag_page_units(uint64_t lo, uint64_t hi, uint64_t unit)
{
	return ((hi + unit - 1) & ~(unit - 1)) / unit - lo / unit;
}

#endif
