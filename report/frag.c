/* SPDX-License-Identifier: MIT */
/* The fragmentation report; see frag.h and heapguard-report(5).
 *
 * Modules are listed first (the loader's lock), then every arena is locked
 * and the heap is read in one pass: the bins' totals from their lists (as
 * mallinfo2 counts them), then every chunk of every segment in address
 * order for the thread caches, the quarantine, live blocks, free spans
 * and who pins them, the size-class histogram, the heap map, and from the
 * pages' residency (mincore) what malloc_trim(0) would give back.  The
 * locks are dropped before the file is written.  Thread caches are
 * changed without a lock, so with other threads running the figures are
 * exact to within the chunks they move meanwhile.  Everything lives in
 * memory mapped here; nothing calls malloc. */
#define _GNU_SOURCE
#include "frag.h"

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "../base/compiler.h"
#include "../guard/guard.h"
#include "../guard/protect.h"
#include "../guard/sample.h"
#include "../base/fmt.h"
#include "../format/frag.h"
#include "../lib/freelist.h"
#include "../lib/lib.h"
#include "../base/os.h"
#include "../lib/usage.h"
#include "../lib/walk.h"
#include "gzfile.h"
#include "../stack/modules.h"
#include "../stack/peak.h"
#include "reportfile.h"
#include "runfile.h"
#include "timeline.h"
#include "../stack/stack.h"

_Static_assert(HG_PEAK_SITES <= HG_FRAG_PEAK_SITES_MAX, "the format lists 10 peak sites at most");

#define HG_FRAG_SCRATCH ((size_t)256 << 20) /* maps and pins: reserved, used sparsely */

struct figures {
	size_t system, tcache, fastbins, unsorted, small, large, top, quarantine;
	size_t free_chunks, largest_free, largest_chunk, live_blocks, live_bytes, usable, requested;
	size_t resident, trimmable;
	unsigned segments;
	uint64_t hist_chunks[HG_FRAG_CLASSES], hist_bytes[HG_FRAG_CLASSES];
};

static size_t free_total(const struct figures *f)
{
	return f->tcache + f->fastbins + f->unsorted + f->small + f->large + f->top + f->quarantine;
}

struct mmapped {
	size_t chunks, system, live_bytes, usable, requested, resident, quarantined;
};

/* A segment as the map shows it. */
struct segment {
	unsigned arena, index;
	uintptr_t lo, hi, top;
	size_t cell;
	size_t map_offset, map_len; /* its cell classes in the scratch text */
	size_t unit_first, nunits;  /* its page units in struct units; 0: none */
};

/* The page map's units (format/frag.h), of all segments in turn: bytes of
 * each kind, and the allocation stack with the most live bytes in each.
 * A unit's figures side by side: a small heap's units fill part of one
 * page, where an array for each figure cost a page fault each. */
enum unit_kind { UNIT_LIVE, UNIT_FREE, UNIT_TOP };
struct unit {
	uint64_t bytes[3]; /* by enum unit_kind */
	uint64_t best;	   /* the most live bytes of one chunk */
	uint32_t stack;	   /* its allocation stack */
};
struct units {
	uint64_t size; /* bytes of a unit */
	struct unit *unit;
	size_t used;
};

struct top_pin {
	unsigned arena, segment;
	uintptr_t addr;
	size_t size, free_below;
	uint32_t stack;
};

/* Per allocation stack id. */
struct site {
	uint64_t blocks, bytes, pinned, pinning_blocks, spans;
};

struct pin_rank {
	uint32_t stack;
	const struct site *s;
};

/* The heap as read under the locks. */
struct frag {
	unsigned narenas;
	struct figures *arenas; /* narenas of them */
	struct figures total;
	struct mmapped mm;
	struct segment *segs;
	size_t nsegs, max_segs;
	struct top_pin *pins;
	size_t npins, max_pins;
	uint32_t *stack_ids; /* room for the stacks the lines name, written once */
	struct site *sites; /* index: stack id, 0..nstacks */
	uint32_t nstacks;
	struct units units;
	char *text; /* map classes, one string per segment */
	size_t text_used, text_max;
	bool truncated; /* scratch ran out: some maps or pins left out */
};

/* ---- reading one segment ---- */

/* What the walk carries from chunk to chunk. */
struct walker {
	struct frag *f;
	struct hg_arena *av;
	struct figures *fig;
	struct segment *seg;
	struct segment spare; /* a segment past max_segs: counted, not mapped */
	unsigned seg_index; /* of the arena's segments */
	/* the current free span: adjacent free chunks (not top) */
	uintptr_t span_lo;
	bool in_span;
	/* the last live chunks of the segment, for the pins under top */
	struct top_pin last[HG_FRAG_TOP_PINS];
	unsigned nlast, last_next;
	/* page residency of the segment, one byte a page */
	unsigned char *resident;
	uintptr_t resident_base;
	size_t resident_pages, resident_len;
	bool resident_ok;
	/* the map's cells: bytes of each kind per cell; last, as only the
	 * segment's first ncells are cleared (48 KiB in all, mostly unused).
	 * 32 bits: a cell is a 4096th of its segment at most, and the first
	 * touch of these arrays was a tiny heap's report's largest cost in
	 * page faults (a cell of 4 GiB, a segment of 16 TiB, saturates). */
	unsigned ncells;
	uint32_t cell_live[HG_FRAG_CELLS_MAX], cell_free[HG_FRAG_CELLS_MAX],
		cell_top[HG_FRAG_CELLS_MAX];
};

/* Spread [a, a + len) over the cells it covers. */
static void cells_add(struct walker *w, uint32_t *cells, uintptr_t a, size_t len)
{
	const struct segment *s = w->seg;
	uintptr_t end = a + len;
	while (a < end) {
		size_t i = (a - s->lo) / s->cell;
		if (i >= w->ncells)
			return;
		uintptr_t cell_end = s->lo + (i + 1) * s->cell;
		uintptr_t upto = cell_end < end ? cell_end : end;
		uint64_t sum = (uint64_t)cells[i] + (upto - a);
		cells[i] = sum < UINT32_MAX ? (uint32_t)sum : UINT32_MAX;
		a = upto;
	}
}

/* Spread [a, a + len) over the page units it covers; a live chunk's stack
 * becomes a unit's when it holds the most of the unit's live bytes yet. */
static void units_add(struct walker *w, enum unit_kind kind, uintptr_t a, size_t len,
		      uint32_t stack)
{
	const struct segment *s = w->seg;
	struct units *u = &w->f->units;
	if (s->nunits == 0)
		return;
	uintptr_t end = a + len, base = s->lo & ~(uintptr_t)(u->size - 1);
	while (a < end) {
		size_t i = (a - base) / u->size;
		if (i >= s->nunits)
			return;
		uintptr_t unit_end = base + (i + 1) * u->size;
		uintptr_t upto = unit_end < end ? unit_end : end;
		struct unit *x = &u->unit[s->unit_first + i];
		x->bytes[kind] += upto - a;
		if (kind == UNIT_LIVE && upto - a > x->best) {
			x->best = upto - a;
			x->stack = stack;
		}
		a = upto;
	}
}

/* Resident bytes of whole pages in [lo, hi). */
static size_t resident_in(const struct walker *w, uintptr_t lo, uintptr_t hi)
{
	size_t page = hg_page_size;
	lo = (lo + page - 1) & ~(page - 1);
	hi &= ~(page - 1);
	if (hi <= lo)
		return 0;
	if (!w->resident_ok)
		return hi - lo;
	size_t n = 0;
	for (uintptr_t p = lo; p < hi; p += page) {
		size_t i = (p - w->resident_base) / page;
		n += i < w->resident_pages && (w->resident[i] & 1);
	}
	return n * page;
}

/* malloc_trim(0)'s give-back inside a binned free chunk, resident now. */
static size_t trimmable_inside(const struct walker *w, const struct hg_chunk *c, size_t size)
{
	uintptr_t start;
	size_t len = hg_trim_inside(c, size, &start);
	return len != 0 ? resident_in(w, start, start + len) : 0;
}

/* And what it takes off the top, resident now. */
static size_t trimmable_top(const struct walker *w, const struct hg_chunk *top, size_t size)
{
	size_t extra = hg_trim_top(w->av, 0);
	uintptr_t end = (uintptr_t)top + size;
	return extra != 0 ? resident_in(w, end - extra, end) : 0;
}

static void span_close(struct walker *w, uintptr_t at, const struct hg_chunk *pinner,
		       uint32_t stack)
{
	if (!w->in_span)
		return;
	w->in_span = false;
	size_t bytes = at - w->span_lo;
	if (bytes > w->fig->largest_free)
		w->fig->largest_free = bytes;
	if (pinner == NULL || bytes < hg_page_size)
		return;
	struct site *s = &w->f->sites[stack];
	s->pinned += bytes;
	s->spans++;
	s->pinning_blocks++;
}

static void note_live(struct walker *w, struct hg_chunk *c, size_t size)
{
	struct figures *fig = w->fig;
	struct hg_origin o;
	bool known = hg_chunk_origin(c, &o);
	if (known && o.alloc_stack == HG_STACK_INTERNAL)
		known = false; /* libunwind's own: counted, with no site */
	uint32_t stack = known && o.alloc_stack <= w->f->nstacks ? o.alloc_stack : 0;
	fig->live_blocks++;
	fig->live_bytes += size;
	fig->usable += hg_chunk_usable(c);
	fig->requested += known ? o.requested : hg_chunk_usable(c);
	struct site *s = &w->f->sites[stack];
	s->blocks++;
	s->bytes += size;
	size_t below = w->in_span ? (uintptr_t)c - w->span_lo : 0;
	span_close(w, (uintptr_t)c, c, stack);
	/* Remember it as one of the last live chunks (a ring). */
	struct top_pin *p = &w->last[w->last_next];
	w->last_next = (w->last_next + 1) % HG_FRAG_TOP_PINS;
	if (w->nlast < HG_FRAG_TOP_PINS)
		w->nlast++;
	*p = (struct top_pin){ w->seg->arena, w->seg->index, (uintptr_t)c, size, below, stack };
	cells_add(w, w->cell_live, (uintptr_t)c, size);
	units_add(w, UNIT_LIVE, (uintptr_t)c, size, stack);
}

static void note_free(struct walker *w, struct hg_chunk *c, size_t size)
{
	struct figures *fig = w->fig;
	fig->free_chunks++;
	if (size > fig->largest_chunk)
		fig->largest_chunk = size;
	unsigned k = hg_frag_size_class(size);
	fig->hist_chunks[k]++;
	fig->hist_bytes[k] += size;
	if (!w->in_span) {
		w->in_span = true;
		w->span_lo = (uintptr_t)c;
	}
	cells_add(w, w->cell_free, (uintptr_t)c, size);
	units_add(w, UNIT_FREE, (uintptr_t)c, size, 0);
}

static bool visit_chunk(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	struct walker *w = ctx;
	(void)av;
	size_t size = hg_chunk_size(c);
	if (c == w->av->top) {
		struct figures *fig = w->fig;
		if (size > 0) {
			fig->free_chunks++;
			if (size > fig->largest_chunk)
				fig->largest_chunk = size;
		}
		/* Free chunks right below top are one region with it. */
		uintptr_t lo = w->in_span ? w->span_lo : (uintptr_t)c;
		if ((uintptr_t)c + size - lo > fig->largest_free)
			fig->largest_free = (uintptr_t)c + size - lo;
		w->in_span = false;
		/* fig->top is the list-side figure, taken with the bins. */
		w->seg->top = (uintptr_t)c;
		cells_add(w, w->cell_top, (uintptr_t)c, size);
		units_add(w, UNIT_TOP, (uintptr_t)c, size, 0);
		fig->trimmable += trimmable_top(w, c, size);
		return true;
	}
	size_t state = hg_chunk_state(c) & (HG_INUSE | HG_QUARANTINED | HG_ISOLATED);
	if (size <= HG_CHUNK_HDR) { /* a fencepost: neither live nor free */
		span_close(w, (uintptr_t)c, NULL, 0);
		return true;
	}
	if (state & HG_QUARANTINED) {
		w->fig->quarantine += size;
		note_free(w, c, size);
		return true;
	}
	if (state != 0) { /* allocated, or isolated after an error */
		note_live(w, c, size);
		return true;
	}
	/* Free: in a bin if the next chunk says so, else in a thread cache or
	 * a fastbin (which keep their neighbour's P set, as in glibc). */
	struct hg_chunk *next = hg_chunk_at(c, size);
	bool binned = (uintptr_t)next < w->seg->hi && !hg_chunk_prev_inuse(next);
	if (binned)
		w->fig->trimmable += trimmable_inside(w, c, size);
	else
		w->fig->tcache += size; /* fastbins are taken out after the walk */
	note_free(w, c, size);
	return true;
}

static bool text_reserve(struct frag *f, size_t n)
{
	if (f->text_used + n <= f->text_max)
		return true;
	f->truncated = true;
	return false;
}

/* The segment just walked: its map, its pins under top. */
static void segment_end(struct walker *w)
{
	struct segment *s = w->seg;
	if (s == NULL)
		return;
	span_close(w, s->hi, NULL, 0);
	struct frag *f = w->f;
	/* A spare segment's figures are counted; its map and pins left out. */
	if (s != &w->spare && text_reserve(f, w->ncells)) {
		s->map_offset = f->text_used;
		s->map_len = w->ncells;
		for (unsigned i = 0; i < w->ncells; i++)
			f->text[f->text_used++] = hg_frag_cell_class(
				w->cell_live[i], w->cell_free[i], w->cell_top[i]);
	}
	if (s->top != 0 && s != &w->spare) {
		/* From the top down: the ring's newest first. */
		for (unsigned k = 0; k < w->nlast; k++) {
			unsigned i = (w->last_next + HG_FRAG_TOP_PINS - 1 - k) % HG_FRAG_TOP_PINS;
			if (f->npins == f->max_pins) {
				f->truncated = true;
				break;
			}
			f->pins[f->npins++] = w->last[i];
		}
	}
	if (w->resident != NULL)
		hg_os_unmap(w->resident, w->resident_len);
	w->resident = NULL;
	w->seg = NULL;
}

static void visit_segment(struct hg_arena *av, uintptr_t lo, uintptr_t hi, void *ctx)
{
	struct walker *w = ctx;
	segment_end(w);
	struct frag *f = w->f;
	if (av != w->av) {
		w->av = av;
		w->fig = &f->arenas[av->index < f->narenas ? av->index : f->narenas - 1];
		w->seg_index = 0;
	}
	struct segment *s = &w->spare;
	if (f->nsegs == f->max_segs)
		f->truncated = true;
	else
		s = &f->segs[f->nsegs++];
	w->fig->segments += s != &w->spare;
	unsigned index = w->seg_index++;
	size_t cell = hg_frag_cell_size(hi - lo);
	*s = (struct segment){ av->index, index, lo, hi, 0, cell, 0, 0, 0, 0 };
	/* Its page units, while the report has room for them. */
	struct units *u = &f->units;
	size_t nunits = hg_frag_page_units(lo, hi, u->size);
	if (s != &w->spare && u->used + nunits <= HG_FRAG_UNITS_MAX) {
		s->unit_first = u->used;
		s->nunits = nunits;
		u->used += nunits;
	} else {
		f->truncated = true;
	}
	w->seg = s;
	w->in_span = false;
	w->nlast = w->last_next = 0;
	w->ncells = (unsigned)hg_frag_cells(hi - lo, cell);
	memset(w->cell_live, 0, w->ncells * sizeof(w->cell_live[0]));
	memset(w->cell_free, 0, w->ncells * sizeof(w->cell_free[0]));
	memset(w->cell_top, 0, w->ncells * sizeof(w->cell_top[0]));
	/* Residency, a byte a page, for the segment's resident and trimmable bytes. */
	size_t page = hg_page_size;
	w->resident_base = lo & ~(page - 1);
	w->resident_pages = (hi - w->resident_base + page - 1) / page;
	w->resident_len = (w->resident_pages + page - 1) & ~(page - 1);
	w->resident = hg_os_map(w->resident_len, false);
	w->resident_ok = w->resident != NULL &&
			 hg_os_residency((void *)w->resident_base, w->resident_pages, w->resident);
	w->fig->resident += w->resident_ok ? resident_in(w, w->resident_base,
							  w->resident_base + w->resident_pages * page)
					   : w->resident_pages * page;
}

/* ---- the bins, counted from their lists (as mallinfo2 does) ---- */

static void count_free(enum hg_freelist_kind kind, unsigned index, struct hg_chunk *c, size_t size,
		       void *ctx)
{
	(void)index;
	(void)c;
	struct figures *fig = ctx;
	switch (kind) {
	case HG_FREELIST_FASTBIN:
		fig->fastbins += size;
		break;
	case HG_FREELIST_UNSORTED:
		fig->unsorted += size;
		break;
	case HG_FREELIST_SMALL:
		fig->small += size;
		break;
	case HG_FREELIST_LARGE:
		fig->large += size;
		break;
	}
}

/* A broken list ends silently here: heapguard_check_heap() reports it. */
static void count_bins(struct hg_arena *av, struct figures *fig)
{
	fig->system = av->system_mem;
	fig->top = hg_chunk_size(av->top);
	struct hg_freelist_walk walk = { NULL, count_free, fig };
	hg_freelist_walk(av, &walk);
}

/* ---- chunks mmap'd on their own ---- */

static struct frag *mapping_into; /* hg_region_mmap_each_locked takes no context */

static void visit_mmapped(struct hg_chunk *c)
{
	struct mmapped *m = &mapping_into->mm;
	size_t head = hg_chunk_head(c);
	if (hg_chunk_bad_checksum(c, head))
		return;
	size_t size = head & HG_SIZE_MASK, mapping = size + c->prev_size;
	if (head & HG_QUARANTINED) {
		m->quarantined += mapping; /* as mallinfo2: no longer the program's */
		return;
	}
	struct hg_origin o;
	bool known = hg_chunk_origin(c, &o);
	m->chunks++;
	m->system += mapping;
	m->live_bytes += size;
	m->usable += hg_chunk_usable(c);
	m->requested += known ? o.requested : hg_chunk_usable(c);
	m->resident += hg_os_resident((char *)c - c->prev_size, mapping);
	uint32_t stack = known && o.alloc_stack <= mapping_into->nstacks ? o.alloc_stack : 0;
	if (!(known && o.alloc_stack == HG_STACK_INTERNAL)) {
		mapping_into->sites[stack].blocks++;
		mapping_into->sites[stack].bytes += size;
	}
}

/* ---- memory ---- */

struct scratch {
	void *base;
	size_t len;
};

static void *carve(struct scratch *s, size_t *used, size_t bytes)
{
	bytes = (bytes + 63) & ~(size_t)63;
	if (*used + bytes > s->len)
		return NULL;
	void *p = (char *)s->base + *used;
	*used += bytes;
	return p;
}

/* Arrays sized for the heap as it is now (the arenas are locked). */
static bool frag_setup(struct frag *f, struct scratch *mem, unsigned narenas, uint32_t nstacks)
{
	memset(f, 0, sizeof(*f));
	size_t sites_len = ((size_t)nstacks + 1) * sizeof(struct site);
	mem->len = HG_FRAG_SCRATCH + sites_len;
	mem->base = hg_os_map(mem->len, false);
	if (mem->base == NULL)
		return false;
	size_t used = 0;
	f->narenas = narenas;
	f->nstacks = nstacks;
	f->arenas = carve(mem, &used, narenas * sizeof(struct figures));
	f->sites = carve(mem, &used, sites_len);
	f->max_segs = 65536;
	f->segs = carve(mem, &used, f->max_segs * sizeof(struct segment));
	f->max_pins = (size_t)narenas * 4 * HG_FRAG_TOP_PINS + 64;
	f->pins = carve(mem, &used, f->max_pins * sizeof(struct top_pin));
	f->stack_ids = carve(mem, &used, (HG_PEAK_SITES + HG_FRAG_PIN_SITES + f->max_pins) *
						 sizeof(*f->stack_ids));
	struct units *u = &f->units;
	u->unit = carve(mem, &used, HG_FRAG_UNITS_MAX * sizeof(struct unit));
	f->text = (char *)mem->base + used;
	f->text_max = mem->len - used;
	return f->arenas != NULL && f->sites != NULL && f->segs != NULL && f->pins != NULL &&
	       f->stack_ids != NULL && u->unit != NULL;
}

static unsigned count_arenas(void)
{
	unsigned n = 0;
	struct hg_arena *av = &hg_main_arena;
	do {
		n = av->index + 1 > n ? av->index + 1 : n;
		av = av->next;
	} while (av != &hg_main_arena && av != NULL);
	return n;
}

/* Read the heap.  The arenas are locked by the caller. */
static void frag_read(struct frag *f)
{
	struct hg_arena *av = &hg_main_arena;
	size_t system = 0;
	do {
		count_bins(av, &f->arenas[av->index]);
		system += av->system_mem;
		av = av->next;
	} while (av != &hg_main_arena && av != NULL);
	f->units.size = hg_frag_page_unit(system, hg_page_size);
	static struct walker w; /* 100 KiB of cells: not on the stack */
	memset(&w, 0, offsetof(struct walker, cell_live)); /* the cells: per segment */
	w.f = f;
	hg_walk_segments(visit_segment, visit_chunk, NULL, &w);
	segment_end(&w);
	mapping_into = f;
	hg_region_mmap_each_locked(visit_mmapped);
	/* The walk counted fastbin chunks with the thread caches. */
	for (unsigned i = 0; i < f->narenas; i++) {
		struct figures *a = &f->arenas[i];
		a->tcache = a->tcache > a->fastbins ? a->tcache - a->fastbins : 0;
	}
}

static void frag_totals(struct frag *f)
{
	struct figures *t = &f->total;
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < f->narenas; i++) {
		const struct figures *a = &f->arenas[i];
		t->system += a->system;
		t->tcache += a->tcache;
		t->fastbins += a->fastbins;
		t->unsorted += a->unsorted;
		t->small += a->small;
		t->large += a->large;
		t->top += a->top;
		t->quarantine += a->quarantine;
		t->free_chunks += a->free_chunks;
		if (a->largest_free > t->largest_free)
			t->largest_free = a->largest_free;
		if (a->largest_chunk > t->largest_chunk)
			t->largest_chunk = a->largest_chunk;
		t->live_blocks += a->live_blocks;
		t->live_bytes += a->live_bytes;
		t->usable += a->usable;
		t->requested += a->requested;
		t->resident += a->resident;
		t->trimmable += a->trimmable;
		for (unsigned k = 0; k < HG_FRAG_CLASSES; k++) {
			t->hist_chunks[k] += a->hist_chunks[k];
			t->hist_bytes[k] += a->hist_bytes[k];
		}
	}
	t->system += f->mm.system;
	t->live_blocks += f->mm.chunks;
	t->live_bytes += f->mm.live_bytes;
	t->usable += f->mm.usable;
	t->requested += f->mm.requested;
	t->resident += f->mm.resident;
}

/* ---- writing ---- */

static void write_figures(struct hg_gzfile *gz, const struct figures *a, bool arena)
{
	size_t free_bytes = free_total(a);
	const size_t v[HG_FIGURES] = {
		[HG_FIG_SYSTEM] = a->system,
		[HG_FIG_IN_USE] = a->system > free_bytes ? a->system - free_bytes : 0,
		[HG_FIG_FREE] = free_bytes,
		[HG_FIG_TCACHE] = a->tcache,
		[HG_FIG_FASTBINS] = a->fastbins,
		[HG_FIG_UNSORTED] = a->unsorted,
		[HG_FIG_SMALL] = a->small,
		[HG_FIG_LARGE] = a->large,
		[HG_FIG_TOP] = a->top,
		[HG_FIG_QUARANTINE] = a->quarantine,
		[HG_FIG_FREE_CHUNKS] = a->free_chunks,
		[HG_FIG_LARGEST_FREE] = a->largest_free,
		[HG_FIG_LARGEST_CHUNK] = a->largest_chunk,
		[HG_FIG_LIVE_BLOCKS] = a->live_blocks,
		[HG_FIG_LIVE_BYTES] = a->live_bytes,
		[HG_FIG_USABLE] = a->usable,
		[HG_FIG_REQUESTED] = a->requested,
		[HG_FIG_RESIDENT] = a->resident,
		[HG_FIG_TRIMMABLE] = a->trimmable,
		[HG_FIG_SEGMENTS] = a->segments,
	};
	/* The totals have no segments figure: the segment lines say it. */
	for (int k = 0; k < (arena ? HG_FIGURES : HG_FIG_SEGMENTS); k++)
		hg_gz_printf(gz, " %s=%zu", hg_frag_figure_key(k), v[k]);
	hg_gz_puts(gz, "\n");
}

static void write_histogram(struct hg_gzfile *gz, const struct figures *a, const char *arena)
{
	for (unsigned k = 0; k < HG_FRAG_CLASSES; k++)
		if (a->hist_chunks[k] != 0)
			hg_gz_printf(gz, HG_FRAG_HISTOGRAM " %s %lu %lu %lu %lu\n", arena,
				     (unsigned long)hg_frag_class_lo(k),
				     (unsigned long)(2 * hg_frag_class_lo(k)),
				     (unsigned long)a->hist_chunks[k],
				     (unsigned long)a->hist_bytes[k]);
}

/* The map of one segment, run-length coded. */
static void write_map(struct hg_gzfile *gz, const struct frag *f, const struct segment *s)
{
	hg_gz_printf(gz, HG_FRAG_SEGMENT " %u %u 0x%lx 0x%lx 0x%lx %zu\n" HG_FRAG_MAP " %u %u",
		     s->arena, s->index, (unsigned long)s->lo, (unsigned long)s->hi,
		     (unsigned long)s->top, s->cell, s->arena, s->index);
	const char *c = f->text + s->map_offset;
	for (size_t i = 0; i < s->map_len;) {
		size_t run = 1;
		while (i + run < s->map_len && c[i + run] == c[i])
			run++;
		if (run == 1)
			hg_gz_printf(gz, " %c", c[i]);
		else
			hg_gz_printf(gz, " %c%c%zu", c[i], HG_FRAG_MAP_RUN, run);
		i += run;
	}
	hg_gz_puts(gz, "\n");
}

/* The sites that pin the most free bytes, largest first. */
static size_t rank_pinners(const struct frag *f, struct pin_rank *top, size_t max)
{
	size_t n = 0;
	for (uint32_t id = 0; id <= f->nstacks; id++) {
		const struct site *s = &f->sites[id];
		if (s->pinned == 0)
			continue;
		size_t i = n < max ? n++ : max;
		if (i == max) {
			if (s->pinned <= top[max - 1].s->pinned)
				continue;
			i = max - 1;
		}
		while (i > 0 && top[i - 1].s->pinned < s->pinned) {
			top[i] = top[i - 1];
			i--;
		}
		top[i] = (struct pin_rank){ id, s };
	}
	return n;
}

/* Each stack once: ids already written are remembered, with room for
 * every line that names one (frag_setup), so that stack 0 in a line means
 * that its blocks have no stack, never that the report had no room. */
struct written {
	uint32_t *ids;
	size_t n;
};

static void write_stack_once(struct hg_gzfile *gz, const struct hg_modules *m,
			     struct written *done, uint32_t id)
{
	if (id == HG_FMT_NO_STACK)
		return;
	for (size_t i = 0; i < done->n; i++)
		if (done->ids[i] == id)
			return;
	if (hg_reportfile_write_stack(gz, m, id))
		done->ids[done->n++] = id;
}

/* id if its stack line was written, else 0 (no stack): every stack a line
 * names must be in the file.  The depot holds every id a chunk or the
 * peak has, so this is id but for a damaged heap. */
static uint32_t as_written(const struct written *done, uint32_t id)
{
	for (size_t i = 0; i < done->n; i++)
		if (done->ids[i] == id)
			return id;
	return 0;
}

/* One run of page units: CLASS[*COUNT][:STACK]. */
static void write_page_run(struct hg_gzfile *gz, char c, size_t count, uint32_t stack)
{
	hg_gz_printf(gz, " %c", c);
	if (count > 1)
		hg_gz_printf(gz, "%c%zu", HG_FRAG_MAP_RUN, count);
	if (stack != 0)
		hg_gz_printf(gz, "%c%u", HG_FRAG_PAGES_STACK, stack);
}

static char unit_class(const struct unit *x)
{
	return hg_frag_page_class(x->bytes[UNIT_LIVE], x->bytes[UNIT_FREE], x->bytes[UNIT_TOP]);
}

/* The page map of one segment, run-length coded over lines of at most
 * HG_FRAG_PAGES_PER_LINE runs.  A used or pinned run names its stack when
 * the report has that stack's line (the sites at the peak, pinning sites,
 * chunks under the top). */
static void write_pages(struct hg_gzfile *gz, const struct frag *f, const struct segment *s,
			const struct written *done)
{
	const struct units *u = &f->units;
	size_t runs = 0;
	for (size_t i = 0; i < s->nunits;) {
		const struct unit *x = &u->unit[s->unit_first + i];
		char c = unit_class(x);
		uint32_t stack = c == HG_FRAG_PAGE_USED || c == HG_FRAG_PAGE_PINNED
					 ? as_written(done, x->stack) : 0;
		size_t run = 1;
		while (i + run < s->nunits) {
			char cn = unit_class(&x[run]);
			uint32_t sn = cn == HG_FRAG_PAGE_USED || cn == HG_FRAG_PAGE_PINNED
					      ? as_written(done, x[run].stack) : 0;
			if (cn != c || sn != stack)
				break;
			run++;
		}
		if (runs % HG_FRAG_PAGES_PER_LINE == 0) {
			if (runs != 0)
				hg_gz_puts(gz, "\n");
			hg_gz_printf(gz, HG_FRAG_PAGES " %u %u %lu %zu", s->arena, s->index,
				     (unsigned long)u->size, i);
		}
		write_page_run(gz, c, run, stack);
		runs++;
		i += run;
	}
	if (runs != 0)
		hg_gz_puts(gz, "\n");
}

static void write_mmapped(struct hg_gzfile *gz, const struct mmapped *mm)
{
	const size_t v[HG_MM_KEYS] = {
		[HG_MM_CHUNKS] = mm->chunks,	       [HG_MM_SYSTEM] = mm->system,
		[HG_MM_LIVE_BYTES] = mm->live_bytes,   [HG_MM_USABLE] = mm->usable,
		[HG_MM_REQUESTED] = mm->requested,     [HG_MM_RESIDENT] = mm->resident,
		[HG_MM_QUARANTINED] = mm->quarantined,
	};
	hg_gz_puts(gz, HG_FRAG_MMAPPED);
	for (int k = 0; k < HG_MM_KEYS; k++)
		hg_gz_printf(gz, " %s=%zu", hg_frag_mmapped_key(k), v[k]);
	hg_gz_puts(gz, "\n");
}

/* Sampled slots and protected big blocks (guard/sample.h, protect.h). */
static void write_guard_pages(struct hg_gzfile *gz)
{
	struct hg_sample_stats st;
	size_t protected_total, protected_now;
	hg_sample_stats(&st);
	hg_protect_stats(&protected_total, &protected_now);
	const size_t v[HG_GUARD_KEYS] = {
		[HG_GUARD_KEY_SLOTS] = st.slots,	[HG_GUARD_KEY_SAMPLED] = st.sampled,
		[HG_GUARD_KEY_REUSED] = st.reused,	[HG_GUARD_KEY_LIVE] = st.live,
		[HG_GUARD_KEY_PROTECTED] = protected_total,
		[HG_GUARD_KEY_PROTECTED_NOW] = protected_now,
	};
	hg_gz_puts(gz, HG_FRAG_GUARD_PAGES);
	for (int k = 0; k < HG_GUARD_KEYS; k++)
		hg_gz_printf(gz, " %s=%zu", hg_frag_guard_key(k), v[k]);
	hg_gz_puts(gz, "\n");
}

/* The run's peaks; the live one and the sites' moment at level=full. */
static void write_peak(struct hg_gzfile *gz, const struct hg_peak *peak)
{
	struct hg_usage u;
	hg_usage_get(&u);
	const uint64_t v[HG_PEAK_KEYS] = {
		[HG_PEAK_KEY_SYSTEM] = u.system_peak,  [HG_PEAK_KEY_SYSTEM_US] = u.system_peak_us,
		[HG_PEAK_KEY_LIVE] = u.live_peak,      [HG_PEAK_KEY_LIVE_US] = u.live_peak_us,
		[HG_PEAK_KEY_SITES_LIVE] = peak->live, [HG_PEAK_KEY_SITES_US] = peak->uptime_us,
	};
	hg_gz_puts(gz, HG_FRAG_PEAK);
	for (int k = 0; k < (hg_config.options.level ? HG_PEAK_KEYS : HG_PEAK_KEYS_FAST); k++)
		hg_gz_printf(gz, " %s=%lu", hg_frag_peak_key(k), (unsigned long)v[k]);
	hg_gz_puts(gz, "\n");
}

/* A figure, or '-' when the process does not know it. */
static void write_figure(struct hg_gzfile *gz, bool known, size_t v)
{
	if (known)
		hg_gz_printf(gz, " %zu", v);
	else
		hg_gz_puts(gz, " " HG_FRAG_UNKNOWN);
}

static void write_timeline(struct hg_gzfile *gz, const struct hg_timeline_sample *samples,
			   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct hg_timeline_sample *s = &samples[i];
		hg_gz_printf(gz, HG_FRAG_TIMELINE " %lu %zu", (unsigned long)s->t_us, s->system);
		write_figure(gz, s->has_in_use, s->in_use);
		write_figure(gz, s->has_in_use, s->system - s->in_use - s->quarantine);
		hg_gz_printf(gz, " %zu", s->quarantine);
		write_figure(gz, s->resident != 0, s->resident);
		hg_gz_puts(gz, "\n");
	}
}

static void write_report(struct hg_gzfile *gz, const struct frag *f, const struct hg_modules *m,
			 enum hg_frag_trigger trigger, int status, const char *exe, time_t now)
{
	if (HG_FRAG_FORMAT_MINOR != 0)
		hg_gz_printf(gz, HG_FRAG_MAGIC " %d.%d\n", HG_FRAG_FORMAT_VERSION,
			     HG_FRAG_FORMAT_MINOR);
	else
		hg_gz_printf(gz, HG_FRAG_MAGIC " %d\n", HG_FRAG_FORMAT_VERSION);
	hg_reportfile_write_process(gz, exe, now);
	hg_gz_printf(gz, HG_FRAG_TRIGGER " %s\n", hg_frag_trigger_name(trigger));
	if (trigger == HG_FRAG_AT_EXIT && status >= 0)
		hg_gz_printf(gz, HG_FMT_STATUS " %u\n", (unsigned)status & 0xff);
	else if (trigger == HG_FRAG_AT_EXIT) /* quick_exit from where heapguard did not see it */
		hg_gz_puts(gz, HG_FMT_STATUS " " HG_FMT_STATUS_UNKNOWN "\n");
	/* The timeline's last sample is the report's moment. */
	static struct hg_timeline_sample samples[HG_FRAG_TIMELINE_MAX];
	size_t nsamples = hg_timeline_get(samples);
	hg_gz_printf(gz, HG_FRAG_UPTIME " %lu\n" HG_FRAG_PAGE_SIZE " %zu\n",
		     (unsigned long)samples[nsamples - 1].t_us, hg_page_size);
	hg_reportfile_write_setup(gz, m);

	static struct hg_peak peak;
	hg_peak_get(&peak);
	static struct pin_rank ranked[HG_FRAG_PIN_SITES];
	size_t nranked = rank_pinners(f, ranked, HG_FRAG_PIN_SITES);
	struct written done = { f->stack_ids, 0 };
	for (unsigned i = 0; i < peak.nsites; i++)
		write_stack_once(gz, m, &done, peak.sites[i].stack);
	for (size_t i = 0; i < nranked; i++)
		write_stack_once(gz, m, &done, ranked[i].stack);
	for (size_t i = 0; i < f->npins; i++)
		write_stack_once(gz, m, &done, f->pins[i].stack);

	char name[16];
	for (unsigned i = 0; i < f->narenas; i++) {
		hg_gz_printf(gz, HG_FRAG_ARENA " %u " HG_FRAG_ARENA_KIND "=%s", i,
			     i == 0 ? HG_FRAG_KIND_MAIN : HG_FRAG_KIND_THREAD);
		write_figures(gz, &f->arenas[i], true);
	}
	write_mmapped(gz, &f->mm);
	write_guard_pages(gz);
	hg_gz_puts(gz, HG_FRAG_TOTALS);
	write_figures(gz, &f->total, false);
	for (unsigned i = 0; i < f->narenas; i++) {
		hg_fmt(name, sizeof(name), "%u", i);
		write_histogram(gz, &f->arenas[i], name);
	}
	write_histogram(gz, &f->total, HG_FRAG_HISTOGRAM_ALL);
	write_peak(gz, &peak);
	for (unsigned i = 0; i < peak.nsites; i++)
		hg_gz_printf(gz, HG_FRAG_PEAK_SITE " %u %lu %lu\n",
			     as_written(&done, peak.sites[i].stack),
			     (unsigned long)peak.sites[i].blocks,
			     (unsigned long)peak.sites[i].bytes);
	write_timeline(gz, samples, nsamples);
	for (size_t i = 0; i < f->npins; i++) {
		const struct top_pin *p = &f->pins[i];
		hg_gz_printf(gz, HG_FRAG_PIN_TOP " %u %u 0x%lx %zu %u %zu\n", p->arena, p->segment,
			     (unsigned long)p->addr, p->size, as_written(&done, p->stack),
			     p->free_below);
	}
	for (size_t i = 0; i < nranked; i++) {
		const struct site *s = ranked[i].s;
		hg_gz_printf(gz, HG_FRAG_PIN_SITE " %u %lu %lu %lu %lu %lu\n",
			     as_written(&done, ranked[i].stack), (unsigned long)s->blocks,
			     (unsigned long)s->bytes, (unsigned long)s->pinned,
			     (unsigned long)s->pinning_blocks, (unsigned long)s->spans);
	}
	for (size_t i = 0; i < f->nsegs; i++)
		write_map(gz, f, &f->segs[i]);
	for (size_t i = 0; i < f->nsegs; i++)
		write_pages(gz, f, &f->segs[i], &done);
	if (f->truncated)
		hg_gz_puts(gz, HG_FRAG_TRUNCATED " 1\n");
	hg_gz_printf(gz, HG_FRAG_END " %u %zu %zu\n", f->narenas, f->nsegs, done.n);
}

/* ---- the whole thing ---- */

static struct hg_lock reporting = HG_LOCK_INIT;

int hg_frag_write(enum hg_frag_trigger trigger, int status, char *final, size_t len)
{
	final[0] = '\0';
	if (!hg_ready)
		return EAGAIN;
	if (hg_reportfile_off())
		return ECANCELED;
	bool can_wait = trigger == HG_FRAG_ON_CALL || trigger == HG_FRAG_ON_SIGNAL;
	if (can_wait)
		hg_lock_acquire(&reporting);
	else if (!hg_lock_try(&reporting))
		return EBUSY;
	static struct hg_modules mods;
	static struct frag f;
	static char exe[HG_REPORT_PATH];
	struct scratch mem = { NULL, 0 };
	int err = ENOMEM;
	time_t now = time(NULL);
	hg_reportfile_exe(exe, sizeof(exe));
	hg_peak_flush();
	if (!hg_modules_load(&mods))
		goto out;
	if (can_wait) {
		hg_arena_lock_all();
	} else if (!hg_arena_try_lock_all()) {
		err = EBUSY;
		hg_modules_free(&mods);
		goto out;
	}
	bool ready = frag_setup(&f, &mem, count_arenas(), hg_stack_count());
	if (ready)
		frag_read(&f);
	hg_arena_unlock_all();
	if (ready) {
		frag_totals(&f);
		bool fallback;
		struct hg_gzfile *gz =
			hg_reportfile_create(exe, now, HG_FRAG_SUFFIX, final, len, &fallback, &err);
		if (gz != NULL) {
			write_report(gz, &f, &mods, trigger, status, exe, now);
			err = hg_gz_commit(gz, final, len);
		}
	}
	hg_modules_free(&mods);
out:
	if (mem.base != NULL)
		hg_os_unmap(mem.base, mem.len);
	hg_lock_release(&reporting);
	return err;
}

HG_FORK_CODE void hg_frag_fork_child(void)
{
	hg_lock_reset(&reporting);
	hg_reportfile_fork_child();
}

/* ---- the line on stderr ---- */

void hg_frag_say(int err, const char *final)
{
	if (hg_run_active())
		return; /* the run's record and summary tell */
	const char *dot = hg_reportfile_dot(final);
	if (err == 0) {
		hg_fmt_fd(2, "heapguard: fragmentation report: %s%s (heapguard-report %s%s)\n", dot,
			  final, dot, final);
		return;
	}
	const char *why = err == EBUSY ? "the heap was locked by another thread or an interrupted call"
		: err == ECANCELED ? "report=off"
		: strerrordesc_np(err) ? strerrordesc_np(err) : "error";
	/* No name yet when the heap, or memory, was not to be had. */
	if (final[0] == '\0')
		hg_fmt_fd(2, "heapguard: cannot write the fragmentation report: %s\n", why);
	else
		hg_fmt_fd(2, "heapguard: cannot write the fragmentation report %s%s: %s\n", dot, final,
			  why);
}
