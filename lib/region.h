/* SPDX-License-Identifier: MIT */
/* Which addresses hold heapguard's chunks: the main arena's segments (brk,
 * or mmap'd when brk fails), the HG_HEAP_MAX-aligned heaps of the other
 * arenas, and the mmap'd chunks.  free() and friends ask here before they
 * read a header, so a wild pointer is reported, never dereferenced. */
#ifndef HG_REGION_H
#define HG_REGION_H

#include <stdbool.h>
#include <stdint.h>

#include "chunk.h"

#define HG_HEAP_SHIFT 26			/* HG_HEAP_MAX is 64 MiB */
#define HG_HEAP_SLOTS ((size_t)1 << (47 - HG_HEAP_SHIFT))

struct hg_segment {
	uintptr_t lo, hi;			/* [lo, hi): chunk memory */
};

extern struct hg_segment hg_region_first;	/* the main arena's first segment */
/* The same segment as the addresses a chunk header may start at,
 * [first, last] (empty: first > last), so the fast paths test it with two
 * compares.  Kept by hg_region_main_grew and hg_region_main_shrank. */
struct hg_header_span {
	uintptr_t first, last;
};
extern struct hg_header_span hg_region_first_headers;
extern uint64_t hg_region_heap_bits[HG_HEAP_SLOTS / 64];
/* Set before the first bit is: until then (a program that never made a
 * second arena) no lookup reads the bitmap, 256 KiB of which each page
 * read costs a page fault, three in every leak scan. */
extern bool hg_region_heaps_seen;

bool hg_region_in_other_segments(uintptr_t a);
/* The main arena's further segments, for the heap walker. */
unsigned hg_region_other_segments(const struct hg_segment **segments);
void hg_region_main_grew(uintptr_t lo, uintptr_t hi, bool new_segment);
void hg_region_main_shrank(uintptr_t new_hi);
void hg_region_heap_mark(const void *heap, bool live);

/* mmap'd chunks, by chunk address (a hash set in internal memory). */
void hg_region_mmap_add(const struct hg_chunk *c);
void hg_region_mmap_remove(const struct hg_chunk *c);
bool hg_region_mmap_has(const struct hg_chunk *c);
bool hg_region_mmap_was(const struct hg_chunk *c);	/* unmapped recently */
void hg_region_mmap_each(void (*visit)(struct hg_chunk *c));
/* The same, or false without waiting if the registry stays busy (a dying
 * process: its holder may be the thread that crashed). */
bool hg_region_mmap_try_each(void (*visit)(struct hg_chunk *c));
/* The same, by a caller that holds the registry's lock (it is one of the
 * locks hg_arena_lock_all takes, after the arenas': sysmalloc takes it
 * under an arena's, so that is the order). */
void hg_region_mmap_each_locked(void (*visit)(struct hg_chunk *c));
struct hg_lock *hg_region_mmap_lock(void);
/* The size of the table of mmap'd chunks, in slots (for the tests). */
size_t hg_region_mmap_slots(void);
void hg_region_fork_child(void);

/* The read-write bytes of the heap at `heap` (its header's size field,
 * the third word of struct hg_heap). */
static inline size_t hg_region_heap_size(uintptr_t heap)
{
	return __atomic_load_n((size_t *)heap + 2, __ATOMIC_RELAXED);
}

static inline bool hg_region_heap_slot(uintptr_t a)
{
	uintptr_t slot = a >> HG_HEAP_SHIFT;
	if (slot >= HG_HEAP_SLOTS || !__atomic_load_n(&hg_region_heaps_seen, __ATOMIC_ACQUIRE))
		return false;
	return (__atomic_load_n(&hg_region_heap_bits[slot / 64], __ATOMIC_RELAXED) >>
		(slot % 64)) & 1;
}

/* The common case of hg_region_heap_chunk, with no call, for the fast
 * paths (a function that calls out saves registers even when it does not
 * take the call): true when c's header lies in the main arena's first
 * segment or in a heap of another arena; false means "not known", and the
 * caller asks hg_region_heap_chunk. */
static inline bool hg_region_heap_chunk_quick(const struct hg_chunk *c)
{
	uintptr_t a = (uintptr_t)c;
	if (a >= hg_region_first_headers.first && a <= hg_region_first_headers.last)
		return true;
	if (hg_region_heap_slot(a)) {
		uintptr_t heap = a & ~(((uintptr_t)1 << HG_HEAP_SHIFT) - 1);
		return a + sizeof(size_t) * 2 <= heap + hg_region_heap_size(heap);
	}
	return false;
}

/* A chunk header at c lies in readable heap memory of ours (not an mmap'd
 * chunk: those are looked up with hg_region_mmap_has). */
static inline bool hg_region_heap_chunk(const struct hg_chunk *c)
{
	return hg_region_heap_chunk_quick(c) || hg_region_in_other_segments((uintptr_t)c);
}

#endif
