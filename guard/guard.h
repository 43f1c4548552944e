/* SPDX-License-Identifier: MIT */
/* The checks lib/ runs at its fixed points: a pointer handed to free,
 * realloc or malloc_usable_size; a chunk handed out or given back at
 * level=full (canary, trailer, fill, quarantine); the heap walk. */
#ifndef HG_GUARD_H
#define HG_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canary.h"

struct hg_chunk;

/* mem may be released by op ("free", "realloc", "malloc_usable_size"): it
 * is ours, aligned, its header verifies and it is allocated.  Otherwise the
 * error is reported and false returned. */
bool hg_guard_check_release(void *mem, const char *op);

/* level=full */
void hg_guard_arm(struct hg_chunk *c, size_t requested);
/* An armed block stops being the program's (freed, or about to be resized
 * by realloc): it leaves its allocation stack's live count. */
void hg_guard_end_block(struct hg_chunk *c);
bool hg_guard_canary_ok(struct hg_chunk *c, const char *op);
/* hg_guard_canary_ok, then (when it holds) hg_guard_end_block, reading the
 * trailer once: a block the program is giving up (free, realloc). */
bool hg_guard_release_ok(struct hg_chunk *c, const char *op);
bool hg_chunk_requested(const struct hg_chunk *c, size_t *requested);
void hg_guard_quarantine(struct hg_chunk *c);
bool hg_guard_fill_ok(struct hg_chunk *c, const char *op);
void hg_guard_exit(void);
void hg_guard_thread_exit(void);
/* heapguard_check_heap (op names the call), and the check at exit. */
int hg_guard_check_heap(const char *op);
int hg_guard_check_heap_at_exit(void);
/* The same from the handler of a fatal signal (report/crash.c): waits for
 * no lock (another thread, or this one, may hold it for ever); -1 when one
 * stayed held and the rest of the heap was not checked. */
int hg_guard_check_heap_dying(const char *op);

/* What level=full's trailer records about a chunk. */
struct hg_origin {
	size_t requested;			/* bytes the program asked for */
	uint32_t alloc_stack;			/* stack depot ids, 0 = none */
	uint32_t free_stack;			/* set while freed (quarantined) */
	uint16_t alloc_thread;			/* heapguard thread numbers, 1 = main */
	uint16_t free_thread;
};
/* The origin of an armed or quarantined chunk whose trailer verifies;
 * false otherwise (level=fast, or a chunk not yet armed). */
bool hg_chunk_origin(const struct hg_chunk *c, struct hg_origin *o);
/* Its owners as kept out of the reach of the block's overflows and of
 * writes after its free: the allocation's in the side table (owners.h),
 * the free's (0 when not found) with its entry in the quarantine, found
 * in the ring, this thread's batch, or as the chunk this thread is taking
 * out; stacks and threads (requested is not set); false when no
 * allocation owner is recorded.  Reads nothing of the chunk, so it serves
 * one whose header does not verify.  Thread numbers past
 * HG_OWNER_THREAD_MAX (1023) read as that: the trailer's, when it
 * verifies, are exact. */
bool hg_chunk_owners(const struct hg_chunk *c, struct hg_origin *o);
/* A level=full heap chunk goes back to lib/ without the quarantine
 * (quarantine=0, or left behind by realloc): its side table slot stops
 * naming it, before another thread may be handed the chunk.  (Blocks
 * mmap'd on their own have no slot.) */
void hg_guard_forget(const struct hg_chunk *c);

#endif
