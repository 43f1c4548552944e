/* SPDX-License-Identifier: MIT */
/* level=full's side table of a block's owners: its allocation and free
 * stack ids and thread numbers, kept out of the chunk, where neither an
 * overflow of the block nor a write after its free can reach them.
 *
 * Indexed by chunk address: two chunk starts are at least HG_MINSIZE (32)
 * bytes apart, so each 32-byte granule of the address space holds at most
 * one, and its 4-byte slot is that chunk's.  The table is a radix tree of
 * windows: each window covers 1 MiB of address space with a 128 KiB slot
 * array, mapped (never malloc'd) when the first block in it is armed and
 * touched only where blocks are, so it costs 4 bytes per 32 bytes of heap
 * that holds blocks (an eighth of the heap's span), and 128 KiB of address
 * space per 1 MiB window in use (plus 64 KiB per 8 GiB of address space
 * for the tree's middle level).  Under a finite RLIMIT_AS the table stops
 * growing at 1/128 of the limit; blocks it does not cover keep their
 * owners in their trailer only, as before the table.  Lookups and stores
 * take no lock: each slot is written only by the owner of its chunk.
 *
 * A slot holds the allocation's owner word: a stack id (22 bits;
 * HG_STACK_INTERNAL kept as all ones) with a thread number in the 10 bits
 * above (saturated at 1023, "1023 or later"; never 0 while a stack is
 * recorded).  A freed block's free owner word is kept beside it in the
 * quarantine's ring (quarantine.h), as only a quarantined block has one:
 * a slot of 8 bytes for both cost sqlite3 1.5 MiB more at its peak.  An
 * 8-byte word of the table is two slots: with the upper one set, its
 * thread bits put it above the 47-bit user space; with only the lower one
 * set, it is below 4 GiB, where no heap is (and the leak scan leaves the
 * table out anyway).  A slot is cleared when its chunk goes back to lib/,
 * so a nonzero slot is a block armed and not yet released (in use,
 * quarantined or isolated). */
#ifndef HG_OWNERS_H
#define HG_OWNERS_H

#include <stdbool.h>
#include <stdint.h>

#include "../stack/stack.h"

#define HG_OWNER_STACK_BITS 22
#define HG_OWNER_STACK_MASK (((uint32_t)1 << HG_OWNER_STACK_BITS) - 1)
#define HG_OWNER_THREAD_MAX 1023u
_Static_assert(HG_STACK_IDS_MAX < HG_OWNER_STACK_MASK, "stack ids fit the side table's words");

#define HG_OWNER_GRANULE_SHIFT 5		/* one slot per 32 bytes */
#define HG_OWNER_WINDOW_SHIFT 20		/* 1 MiB of address space per window */
#define HG_OWNER_WINDOW_SLOTS ((uintptr_t)1 << (HG_OWNER_WINDOW_SHIFT - HG_OWNER_GRANULE_SHIFT))
#define HG_OWNER_TOP_SHIFT 33			/* the root's entries: 8 GiB each */
#define HG_OWNER_TOP ((size_t)1 << (47 - HG_OWNER_TOP_SHIFT))
#define HG_OWNER_MID ((size_t)1 << (HG_OWNER_TOP_SHIFT - HG_OWNER_WINDOW_SHIFT))

/* The root: HG_OWNER_TOP pointers to arrays of HG_OWNER_MID windows. */
extern uint32_t **hg_owner_root[HG_OWNER_TOP];

/* What a slot says about one chunk. */
struct hg_owners {
	uint32_t alloc_stack;			/* 0: none recorded */
	unsigned alloc_thread;			/* 0: none; HG_OWNER_THREAD_MAX: that or later */
};

/* The slot of the chunk at address a, or NULL when its window has none
 * (never mapped, or a is outside the 47-bit user space). */
static inline uint32_t *hg_owner_slot(uintptr_t a)
{
	if (a >> 47)
		return NULL;
	uint32_t **mid = __atomic_load_n(&hg_owner_root[a >> HG_OWNER_TOP_SHIFT], __ATOMIC_ACQUIRE);
	if (mid == NULL)
		return NULL;
	uint32_t *window = __atomic_load_n(&mid[(a >> HG_OWNER_WINDOW_SHIFT) & (HG_OWNER_MID - 1)],
					   __ATOMIC_ACQUIRE);
	if (window == NULL)
		return NULL;
	return &window[(a >> HG_OWNER_GRANULE_SHIFT) & (HG_OWNER_WINDOW_SLOTS - 1)];
}

/* The same, mapping the window (and its part of the tree) when missing;
 * NULL only when the memory cannot be had. */
uint32_t *hg_owner_slot_make(uintptr_t a);

/* The window each thread used last: the blocks a thread allocates and
 * frees one after another mostly share one. */
struct hg_owner_cache {
	uintptr_t key;				/* (address >> HG_OWNER_WINDOW_SHIFT) + 1 */
	uint32_t *window;
};
extern __thread struct hg_owner_cache hg_owner_cache __attribute__((tls_model("initial-exec")));

/* hg_owner_slot (make: hg_owner_slot_make) through the thread's cache. */
uint32_t *hg_owner_slot_miss(uintptr_t a, bool make);

static inline uint32_t *hg_owner_slot_cached(uintptr_t a, bool make)
{
	uintptr_t i = (a >> HG_OWNER_GRANULE_SHIFT) & (HG_OWNER_WINDOW_SLOTS - 1);
	if (__builtin_expect(hg_owner_cache.key == (a >> HG_OWNER_WINDOW_SHIFT) + 1, 1))
		return &hg_owner_cache.window[i];
	return hg_owner_slot_miss(a, make);
}

static inline uint32_t hg_owner_word(uint32_t stack, unsigned thread)
{
	if (thread > HG_OWNER_THREAD_MAX || thread == 0)
		thread = HG_OWNER_THREAD_MAX;
	return (stack & HG_OWNER_STACK_MASK) | (uint32_t)thread << HG_OWNER_STACK_BITS;
}

/* The stack id and thread number of an owner word (0: none). */
void hg_owner_split(uint32_t word, uint32_t *stack, unsigned *thread);

/* A block was handed out: its allocation owner. */
static inline void hg_owner_set_alloc(uintptr_t chunk, uint32_t stack, unsigned thread)
{
	uint32_t *slot = hg_owner_slot_cached(chunk, true);
	if (slot != NULL)
		__atomic_store_n(slot, hg_owner_word(stack, thread), __ATOMIC_RELAXED);
}

/* The chunk went back to lib/: the slot stops naming anyone. */
static inline void hg_owner_forget(uintptr_t chunk)
{
	uint32_t *slot = hg_owner_slot_cached(chunk, false);
	if (slot != NULL)
		__atomic_store_n(slot, 0, __ATOMIC_RELAXED);
}

/* The allocation owner recorded for the chunk at chunk; false when none is. */
bool hg_owner_get(uintptr_t chunk, struct hg_owners *o);

/* The table's mappings, for the leak scan to leave out: stack ids only,
 * over a quarter of the heap's span, mostly never touched.  Fills up to
 * HG_OWNER_RANGES_MAX of them and returns how many; more are scanned. */
#define HG_OWNER_RANGES_MAX 256
unsigned hg_owner_memory(uintptr_t lo[HG_OWNER_RANGES_MAX], uintptr_t hi[HG_OWNER_RANGES_MAX]);

/* Bytes of slot arrays and tree nodes mapped so far. */
size_t hg_owner_mapped(void);

#endif
