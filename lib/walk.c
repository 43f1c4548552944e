/* SPDX-License-Identifier: MIT */
/* The heap walker; see walk.h.  A segment is walked from its first chunk by
 * sizes; it ends at top, at a size-0 fencepost or at its end. */
#include "walk.h"

#include "internal.h"

/* Walk [lo, hi).  Returns false if visit asked to stop. */
struct walk {
	hg_walk_segment_fn segment;
	hg_walk_fn visit;
	hg_walk_broken_fn broken;
	void *ctx;
};

static bool walk_segment(struct hg_arena *av, uintptr_t lo, uintptr_t hi, const struct walk *w)
{
	hg_walk_fn visit = w->visit;
	hg_walk_broken_fn broken = w->broken;
	void *ctx = w->ctx;
	if (w->segment != NULL)
		w->segment(av, lo, hi, ctx);
	uintptr_t a = lo;
	while (a + HG_CHUNK_HDR <= hi) {
		struct hg_chunk *c = (struct hg_chunk *)a;
		size_t head = hg_chunk_head(c);
		size_t size = head & HG_SIZE_MASK;
		if (hg_chunk_bad_checksum(c, head) || (size != 0 && size < HG_CHUNK_HDR) ||
		    size > hi - a) {
			if (broken != NULL)
				broken(av, c, ctx);
			return true;
		}
		if (size == 0) /* the last fencepost */
			return true;
		if (!visit(av, c, ctx))
			return false;
		if (c == av->top)
			return true;
		a += size;
	}
	return true;
}

/* The first chunk of a non-main heap: after the arena in an arena's first heap. */
static uintptr_t heap_first_chunk(struct hg_heap *h)
{
	uintptr_t first = (uintptr_t)hg_heap_first_chunk(h);
	if ((uintptr_t)h->arena == first)
		first += (sizeof(struct hg_arena) + HG_ALIGN_MASK) & ~HG_ALIGN_MASK;
	return first;
}

static bool walk_arena(struct hg_arena *av, const struct walk *w)
{
	if (av == &hg_main_arena) {
		if (hg_region_first.hi != 0 &&
		    !walk_segment(av, hg_region_first.lo, hg_region_first.hi, w))
			return false;
		const struct hg_segment *seg;
		unsigned n = hg_region_other_segments(&seg);
		for (unsigned i = 0; i < n; i++)
			if (!walk_segment(av, seg[i].lo, seg[i].hi, w))
				return false;
		return true;
	}
	for (struct hg_heap *h = hg_heap_of(av->top); h != NULL; h = h->prev)
		if (!walk_segment(av, heap_first_chunk(h), (uintptr_t)h + h->size, w))
			return false;
	return true;
}

void hg_walk_segments(hg_walk_segment_fn segment, hg_walk_fn visit, hg_walk_broken_fn broken,
		      void *ctx)
{
	const struct walk w = { segment, visit, broken, ctx };
	struct hg_arena *av = &hg_main_arena;
	do {
		if (!walk_arena(av, &w))
			return;
		av = av->next;
	} while (av != &hg_main_arena && av != NULL);
}

void hg_walk_heap(hg_walk_fn visit, hg_walk_broken_fn broken, void *ctx)
{
	hg_walk_segments(NULL, visit, broken, ctx);
}

struct locate {
	uintptr_t a;
	enum hg_chunk_start where;
	struct hg_chunk *found;
};

static bool locate_visit(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	(void)av;
	struct locate *l = ctx;
	uintptr_t start = (uintptr_t)c, end = start + hg_chunk_size(c);
	if (l->a == start) {
		l->where = HG_AT_CHUNK;
		l->found = c;
		return false;
	}
	if (l->a > start && l->a < end) {
		l->where = HG_INSIDE_CHUNK;
		l->found = c;
		return false;
	}
	return true;
}

static void locate_broken(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	(void)av;
	struct locate *l = ctx;
	/* Only the break that precedes the address matters. */
	if ((uintptr_t)c <= l->a && l->where == HG_NOT_FOUND) {
		l->where = (uintptr_t)c == l->a ? HG_AT_CHUNK : HG_AFTER_BROKEN;
		l->found = c;
	}
}

enum hg_chunk_start hg_walk_locate(uintptr_t a, struct hg_chunk **found)
{
	struct locate l = { a, HG_NOT_FOUND, NULL };
	hg_walk_heap(locate_visit, locate_broken, &l);
	*found = l.found;
	return l.where;
}

void hg_walk_segment_list(hg_walk_segment_fn segment, void *ctx)
{
	struct hg_arena *av = &hg_main_arena;
	do {
		if (av == &hg_main_arena) {
			if (hg_region_first.hi != 0)
				segment(av, hg_region_first.lo, hg_region_first.hi, ctx);
			const struct hg_segment *seg;
			unsigned n = hg_region_other_segments(&seg);
			for (unsigned i = 0; i < n; i++)
				segment(av, seg[i].lo, seg[i].hi, ctx);
		} else {
			for (struct hg_heap *h = hg_heap_of(av->top); h != NULL; h = h->prev)
				segment(av, heap_first_chunk(h), (uintptr_t)h + h->size, ctx);
		}
		av = av->next;
	} while (av != &hg_main_arena && av != NULL);
}
