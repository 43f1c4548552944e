/* SPDX-License-Identifier: MIT */
/* Allocation and free stacks: captured with libunwind (loaded privately, see
 * unwind.c), deduplicated in the stack depot, named by a 32-bit id.  Id 0
 * means "no stack recorded" (level=fast, or before libunwind was loaded). */
#ifndef HG_STACK_H
#define HG_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HG_DEPTH_MAX 64
/* The "stack" of heapguard's own allocations (libunwind's, while it loads
 * or unwinds): not the program's, so never in its leak report. */
#define HG_STACK_INTERNAL UINT32_MAX
/* Ids run from 1 to at most this. */
#define HG_STACK_IDS_MAX ((uint32_t)3 << 20)

/* The calling thread's stack, heapguard's own frames skipped, stored in the
 * depot: its id, 0, or HG_STACK_INTERNAL for an allocation heapguard makes
 * itself.  Never allocates from the public heap. */
uint32_t hg_stack_capture(void);

/* The frames (return addresses, innermost first) of stack id; their count,
 * 0 for id 0 or an id the depot does not hold. */
unsigned hg_stack_frames(uint32_t id, const uintptr_t **frames);

/* The id of the stack pcs[0..n) (return addresses, innermost first),
 * stored if it is new; 0 when the depot is full or n is not in
 * 1..HG_DEPTH_MAX.  What hg_stack_capture does with the frames it walked;
 * the unit tests store frames of their own with it. */
uint32_t hg_depot_put(const uintptr_t *pcs, unsigned n);

/* The current stack into pcs[] without the depot (diagnostics). */
unsigned hg_stack_unwind(uintptr_t *pcs, unsigned max);

struct hg_depot_stats {
	size_t stacks;				/* distinct stacks stored */
	size_t bytes;				/* memory the depot maps */
	size_t captures;			/* lookups */
	size_t hits;				/* of which were already stored */
	size_t dropped;				/* new stacks refused: depot full */
};
void hg_depot_stats(struct hg_depot_stats *s);

/* The depot's mappings: [lo, hi) pairs, for the leak scan to leave out.
 * Their count. */
#define HG_DEPOT_RANGES 32
unsigned hg_depot_memory(uintptr_t lo[HG_DEPOT_RANGES], uintptr_t hi[HG_DEPOT_RANGES]);

/* level=full: the blocks alive now per allocation stack: blocks and bytes
 * handed out (> 0) or given back (< 0), added up (stack/peak.c batches). */
struct hg_stack_live {
	uint64_t bytes, blocks;
};
void hg_stack_live_add(uint32_t id, ptrdiff_t bytes, int blocks);
/* id <= hg_stack_count(); id 0 is the blocks with no stack. */
void hg_stack_live_get(uint32_t id, struct hg_stack_live *out);
/* Ids in use: 1..this. */
uint32_t hg_stack_count(void);

/* fork(): no insert is half done in the child. */
void hg_depot_fork_prepare(void);
void hg_depot_fork_parent(void);
void hg_depot_fork_child(void);

/* Start-up (from the library constructor): load libunwind privately. */
void hg_stack_init(void);
/* Stacks are captured from now on (false before hg_stack_init worked). */
extern bool hg_stack_ready;

#endif
