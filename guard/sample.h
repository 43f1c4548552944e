/* SPDX-License-Identifier: MIT */
/* Sampled guard pages (sample=N): about one allocation in N is served from
 * a pool of page-sized slots, each between two inaccessible guard pages,
 * so that a read or write past the block's end (or, for a share of them,
 * before its start) faults at the access; a freed slot is made
 * inaccessible and reused as late as possible.  To lib/ the block is an
 * mmap'd chunk (M set, in the mmap registry while live); its request and
 * stacks live here, out of the program's reach. */
#ifndef HG_GUARD_SAMPLE_H
#define HG_GUARD_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guard.h"

/* Slots in the pool: its reservation is (2 * slots + 1) pages of address
 * space (2 MiB with 4 KiB pages), made at the first sampled allocation. */
#define HG_SAMPLE_SLOTS 256

/* The pool's reservation, [lo, hi): lo is UINTPTR_MAX until it exists. */
extern uintptr_t hg_sample_lo, hg_sample_hi;

static inline bool hg_sample_has(const void *p)
{
	uintptr_t a = (uintptr_t)p;
	return a >= __atomic_load_n(&hg_sample_lo, __ATOMIC_RELAXED) &&
	       a < __atomic_load_n(&hg_sample_hi, __ATOMIC_RELAXED);
}

/* Largest request a slot serves: a page less the chunk header. */
size_t hg_sample_max_request(void);

/* malloc's slow path when the thread's countdown ran out (hg_self's
 * sample_left < 0): a slot's chunk for a request of bytes (the caller
 * hands it out as any other), or NULL when this allocation is not
 * sampled (the countdown is reset, or kept due for the next request that
 * fits a slot). */
struct hg_chunk *hg_sample_take(size_t bytes);

/* The program frees (or realloc moves) a live sampled block whose release
 * checks passed: its slot becomes inaccessible and waits for reuse. */
void hg_sample_free(struct hg_chunk *c);

/* hg_guard_check_release for a pointer inside the pool. */
bool hg_sample_check_release(void *mem, const char *op);

/* level=full's arm, canary check and origin for a sampled chunk (the
 * request, stacks and threads from the slot table; the canary in the
 * alignment slack, at most 15 bytes, before the guard page). */
void hg_sample_arm(struct hg_chunk *c, size_t requested);
bool hg_sample_canary_ok(struct hg_chunk *c, const char *op, bool end_block);
bool hg_sample_origin(const struct hg_chunk *c, struct hg_origin *o);

/* What a fault at addr hit in the pool: a live or freed slot's block
 * (c, its chunk), through the guard page after it (overflow), before it
 * (underflow), or inside its freed page.  False: not a slot's access. */
enum hg_sample_hit_kind { HG_SAMPLE_OVERFLOW, HG_SAMPLE_UNDERFLOW, HG_SAMPLE_FREED };
struct hg_sample_hit {
	enum hg_sample_hit_kind kind;
	struct hg_chunk *c;
	size_t requested;
	bool freed;				/* the block was freed */
};
bool hg_sample_classify(uintptr_t addr, struct hg_sample_hit *hit);
/* Before a hit is reported: a freed block's page accessible again with
 * its chunk header written back, for the report to describe it; after,
 * with open, the guard page hit too, so the access is retried and the
 * program goes on (check=0/1). */
void hg_sample_expose(uintptr_t addr, const struct hg_sample_hit *hit, bool open);

/* Counts, for the fragmentation report. */
struct hg_sample_stats {
	size_t slots;				/* slots in the pool (0: not reserved) */
	size_t sampled;				/* allocations served from a slot */
	size_t reused;				/* of which took a slot freed before */
	size_t live;				/* slots holding a live block now */
};
void hg_sample_stats(struct hg_sample_stats *s);

/* fork(): no slot is half taken in the child. */
void hg_sample_fork_prepare(void);
void hg_sample_fork_parent(void);
void hg_sample_fork_child(void);

#endif
