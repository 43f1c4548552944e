/* SPDX-License-Identifier: MIT */
/* Growing an arena when no bin and not top can serve a request (brk for the
 * main arena, heaps for the others, a chunk of its own above the mmap
 * threshold), and giving the top of the main arena back with brk. */
#include "internal.h"
#include "usage.h"

/* An old top that can't be extended is closed with two fenceposts in its
 * last 2 * HG_CHUNK_HDR bytes (in-use chunks of HG_CHUNK_HDR bytes, the
 * second of size 0) so nothing coalesces past it; the rest is freed. */
static void fence_off(struct hg_arena *av, struct hg_chunk *old_top, size_t old_size)
{
	if (old_size < 2 * HG_CHUNK_HDR)
		return; /* the initial top: nothing to fence */
	size_t fenced = HG_PREV_INUSE | HG_INUSE | av->chunk_flags;
	size_t keep = (old_size - 2 * HG_CHUNK_HDR) & ~HG_ALIGN_MASK;
	struct hg_chunk *fence = hg_chunk_at(old_top, keep);
	hg_chunk_set_head(hg_chunk_at(fence, HG_CHUNK_HDR), 0 | fenced);
	hg_chunk_set_head(fence, HG_CHUNK_HDR | fenced);
	if (keep >= HG_MINSIZE) {
		hg_chunk_set_head(old_top, keep | fenced);
		hg_int_free(av, old_top, true);
	} else if (keep > 0) {
		hg_chunk_set_head(old_top, keep | fenced); /* too small to free */
	}
}

static void note_growth(struct hg_arena *av, size_t bytes)
{
	av->system_mem += bytes;
	hg_usage_system((ptrdiff_t)bytes);
	if (av->system_mem > av->max_system_mem)
		av->max_system_mem = av->system_mem;
}

static bool grow_heap_arena(struct hg_arena *av, size_t nb)
{
	struct hg_chunk *old_top = av->top;
	size_t old_size = hg_chunk_size(old_top);
	struct hg_heap *h = hg_heap_of(old_top);
	size_t old_heap_size = h->size;
	if (hg_heap_grow(h, HG_MINSIZE + nb - old_size)) {
		note_growth(av, h->size - old_heap_size);
		hg_chunk_set_head(old_top, (old_size + h->size - old_heap_size) | HG_PREV_INUSE |
						   av->chunk_flags);
		return true;
	}
	struct hg_heap *nh = hg_heap_new(nb + HG_MINSIZE + sizeof(struct hg_heap), hg_mp.top_pad);
	if (nh == NULL)
		return false;
	nh->arena = av;
	nh->prev = h;
	note_growth(av, nh->size);
	struct hg_chunk *top = hg_heap_first_chunk(nh);
	hg_chunk_set_head(top, (nh->size - sizeof(struct hg_heap)) | HG_PREV_INUSE |
				       av->chunk_flags);
	av->top = top;
	fence_off(av, old_top, old_size);
	return true;
}

/* A new brk segment (the first, or after someone else moved the break):
 * align its first chunk and keep its end on a page boundary.  Returns the
 * first chunk's address; *size grows by what the correction took. */
static char *align_brk_start(char *base, size_t *size)
{
	size_t misalign = (uintptr_t)hg_chunk2mem((struct hg_chunk *)base) & HG_ALIGN_MASK;
	size_t front = misalign ? HG_ALIGNMENT - misalign : 0;
	uintptr_t end = (uintptr_t)base + *size + front;
	size_t correction = front + (((end + hg_page_size - 1) & ~(hg_page_size - 1)) - end);
	if (correction && hg_os_sbrk((ptrdiff_t)correction) != (void *)-1)
		*size += correction;
	return base + front;
}

static bool grow_main_arena(struct hg_arena *av, size_t nb)
{
	struct hg_chunk *old_top = av->top;
	size_t old_size = hg_chunk_size(old_top);
	char *old_end = (char *)old_top + old_size;
	bool first = old_top == &av->initial_top;
	size_t size = nb + hg_mp.top_pad + HG_MINSIZE;
	if (av->contiguous && !first)
		size -= old_size;
	size = (size + hg_page_size - 1) & ~(hg_page_size - 1);
	char *base = (char *)-1;
	if (av->contiguous && size < (size_t)PTRDIFF_MAX)
		base = hg_os_sbrk((ptrdiff_t)size);
	if (base != (char *)-1 && !first) {
		if (base == old_end) {
			note_growth(av, size);
			hg_region_main_grew(0, (uintptr_t)base + size, false);
			hg_chunk_set_head(old_top, (old_size + size) | HG_PREV_INUSE);
			return true;
		}
		if (HG_UNLIKELY(base < old_end))
			hg_diag_top_break(old_top, base, old_end);
	}
	char *start;
	if (base == (char *)-1) {
		/* brk is exhausted or blocked by a mapping: go on with mmap'd
		 * segments, as glibc does, and stop trimming with brk. */
		size = nb + hg_mp.top_pad + HG_MINSIZE;
		if (size < HG_MMAP_AS_MORECORE)
			size = HG_MMAP_AS_MORECORE;
		size = (size + hg_page_size - 1) & ~(hg_page_size - 1);
		base = hg_os_map(size, false);
		if (base == NULL)
			return false;
		av->contiguous = false;
		start = base;
	} else {
		start = align_brk_start(base, &size);
	}
	note_growth(av, size);
	hg_region_main_grew((uintptr_t)start, (uintptr_t)base + size, true);
	struct hg_chunk *top = (struct hg_chunk *)start;
	hg_chunk_set_head(top, ((size_t)(base + size - start) & ~HG_ALIGN_MASK) | HG_PREV_INUSE);
	av->top = top;
	fence_off(av, old_top, old_size);
	return true;
}

struct hg_chunk *hg_sysmalloc(struct hg_arena *av, size_t nb)
{
	if (av->top != &av->initial_top)
		hg_check_top(av, "malloc"); /* house of orange shrinks top to get here */
	if (nb >= hg_mp.mmap_threshold) {
		struct hg_chunk *p = hg_mmap_chunk(nb);
		if (p != NULL)
			return p;
	}
	bool grown = av == &hg_main_arena ? grow_main_arena(av, nb) : grow_heap_arena(av, nb);
	if (grown)
		return hg_take_from_top(av, nb);
	/* The arena can't grow: a mapping of its own is the last resort. */
	return hg_mmap_chunk(nb);
}

size_t hg_trim_inside(const struct hg_chunk *c, size_t size, uintptr_t *start)
{
	size_t psm1 = hg_page_size - 1;
	uintptr_t from = ((uintptr_t)c + sizeof(struct hg_chunk) + psm1) & ~psm1;
	uintptr_t end = (uintptr_t)c + size;
	*start = from;
	return end > from && end - from > psm1 ? (end - from) & ~psm1 : 0;
}

size_t hg_trim_top(struct hg_arena *av, size_t pad)
{
	struct hg_chunk *top = av->top;
	size_t top_size = hg_chunk_size(top);
	if (top_size <= HG_MINSIZE + 1 + pad)
		return 0;
	size_t extra = (top_size - HG_MINSIZE - 1 - pad) & ~(hg_page_size - 1);
	if (av == &hg_main_arena)
		return av->contiguous ? extra : 0;
	/* Keep the heap header and everything below top mapped. */
	struct hg_heap *h = hg_heap_of(top);
	size_t top_offset = (size_t)((char *)top - (char *)h);
	return h->size - extra < top_offset + HG_MINSIZE ? 0 : extra;
}

int hg_systrim(struct hg_arena *av, size_t pad)
{
	struct hg_chunk *top = av->top;
	size_t top_size = hg_chunk_size(top);
	size_t extra = hg_trim_top(av, pad);
	if (extra == 0)
		return 0;
	char *end = (char *)top + top_size;
	/* Only if the break is still ours: the program may have moved it. */
	if (hg_os_sbrk(0) != end)
		return 0;
	hg_os_sbrk(-(ptrdiff_t)extra);
	char *new_end = hg_os_sbrk(0);
	if (new_end == (char *)-1 || new_end >= end)
		return 0;
	size_t released = (size_t)(end - new_end);
	av->system_mem -= released;
	hg_usage_system(-(ptrdiff_t)released);
	hg_region_main_shrank((uintptr_t)new_end);
	hg_chunk_set_head(top, (top_size - released) | HG_PREV_INUSE);
	return 1;
}
