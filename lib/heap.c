/* SPDX-License-Identifier: MIT */
/* Heaps of the non-main arenas: HG_HEAP_MAX-aligned reservations, made
 * read-write as top grows and handed back as it shrinks; a heap left
 * entirely free is unmapped. */
#include "internal.h"
#include "usage.h"

/* A HG_HEAP_MAX-aligned reservation: map twice the size, keep the aligned
 * half, unmap the rest. */
static char *reserve_aligned(void)
{
	char *p = hg_os_reserve(HG_HEAP_MAX * 2);
	if (p == NULL)
		return NULL;
	char *aligned = (char *)(((uintptr_t)p + HG_HEAP_MAX - 1) & ~(HG_HEAP_MAX - 1));
	size_t lead = (size_t)(aligned - p);
	if (lead)
		hg_os_unmap(p, lead);
	hg_os_unmap(aligned + HG_HEAP_MAX, HG_HEAP_MAX - lead);
	return aligned;
}

struct hg_heap *hg_heap_new(size_t size, size_t top_pad)
{
	if (size + top_pad < HG_HEAP_MIN)
		size = HG_HEAP_MIN;
	else if (size + top_pad <= HG_HEAP_MAX)
		size += top_pad;
	else if (size > HG_HEAP_MAX)
		return NULL;
	size = (size + hg_page_size - 1) & ~(hg_page_size - 1);
	char *p = reserve_aligned();
	if (p == NULL)
		return NULL;
	if (!hg_os_commit(p, size)) {
		hg_os_unmap(p, HG_HEAP_MAX);
		return NULL;
	}
	if (hg_mp.hugetlb == 1)
		hg_os_advise_huge(p, HG_HEAP_MAX);
	struct hg_heap *h = (struct hg_heap *)p;
	h->arena = NULL;
	h->prev = NULL;
	h->size = size;
	h->mprotect_size = size;
	hg_region_heap_mark(h, true);
	return h;
}

bool hg_heap_grow(struct hg_heap *h, size_t diff)
{
	diff = (diff + hg_page_size - 1) & ~(hg_page_size - 1);
	size_t new_size = h->size + diff;
	if (new_size > HG_HEAP_MAX || new_size < h->size)
		return false;
	if (new_size > h->mprotect_size) {
		if (!hg_os_commit((char *)h + h->mprotect_size, new_size - h->mprotect_size))
			return false;
		h->mprotect_size = new_size;
	}
	h->size = new_size;
	return true;
}

static void heap_shrink(struct hg_heap *h, size_t diff)
{
	size_t new_size = h->size - diff;
	/* Decommit, so the memory stops counting against overcommit too. */
	hg_os_decommit((char *)h + new_size, diff);
	h->mprotect_size = new_size;
	h->size = new_size;
}

/* A heap whose whole usable space is top goes away; its predecessor's tail
 * (the old top, fenced off when this heap was made) becomes top again. */
static bool heap_delete_if_empty(struct hg_arena *av, struct hg_heap **hp)
{
	struct hg_heap *h = *hp;
	if (h->prev == NULL || av->top != hg_heap_first_chunk(h))
		return false;
	struct hg_heap *prev = h->prev;
	/* The two fenceposts sit in the last 2 * HG_CHUNK_HDR bytes of prev. */
	struct hg_chunk *fence = (struct hg_chunk *)((char *)prev + prev->size - 2 * HG_CHUNK_HDR);
	size_t top_size = 2 * HG_CHUNK_HDR;
	struct hg_chunk *newtop = fence;
	if (!hg_chunk_prev_inuse(fence)) {
		struct hg_chunk *prev_free = hg_chunk_prev(fence);
		if (hg_unlink_chunk(av, prev_free)) {
			newtop = prev_free;
			top_size += hg_chunk_size(prev_free);
		}
	}
	av->system_mem -= h->size;
	hg_usage_system(-(ptrdiff_t)h->size);
	hg_region_heap_mark(h, false);
	hg_os_unmap(h, HG_HEAP_MAX);
	hg_chunk_set_head(newtop, top_size | HG_PREV_INUSE | av->chunk_flags);
	av->top = newtop;
	*hp = prev;
	return true;
}

int hg_heap_trim(struct hg_heap *h, size_t pad, bool on_free)
{
	struct hg_arena *av = h->arena;
	bool released = false;
	while (heap_delete_if_empty(av, &h))
		released = true;
	struct hg_chunk *top = av->top;
	size_t top_size = hg_chunk_size(top);
	/* After a free, as glibc: below trim_threshold, shrinking now would only
	 * mean growing again soon.  malloc_trim() asks for everything. */
	if (on_free && top_size < hg_mp.trim_threshold)
		return released;
	size_t extra = hg_trim_top(av, pad);
	if (extra == 0)
		return released;
	heap_shrink(h, extra);
	av->system_mem -= extra;
	hg_usage_system(-(ptrdiff_t)extra);
	hg_chunk_set_head(top, (top_size - extra) | HG_PREV_INUSE | av->chunk_flags);
	return 1;
}
