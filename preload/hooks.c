/* SPDX-License-Identifier: MIT */
/* The two hook tables through which the lower layers reach the upper ones
 * without including them: lib/ (fork, thread exit) and base/'s diagnostics
 * writer (a chunk's owners, stacks, the reports before an abort).  Constant
 * initialisers, so both are in place before the first malloc. */
#include "../base/diag.h"
#include "../guard/guard.h"
#include "../lib/hooks.h"
#include "../lib/lib.h"
#include "../lib/region.h"
#include "../lib/walk.h"
#include "../report/exit.h"
#include "../report/timeline.h"
#include "../stack/stack.h"
#include "../stack/symtab.h"
#include "process.h"

const struct hg_lib_hooks hg_lib_hooks = {
	.fork_prepare = hg_process_fork_prepare,
	.fork_parent = hg_process_fork_parent,
	.fork_child = hg_process_fork_child,
	.thread_exit = hg_process_thread_exit,
	.heap_changed = hg_timeline_poll,
};

/* The chunk's size and state from its header; at level=full, its request
 * from its trailer when that verifies, and its owners from the side table
 * (out of the reach of its overflows), else from its trailer. */
static void describe_chunk(const struct hg_chunk *c, struct hg_diag_chunk *out)
{
	out->size = hg_chunk_size(c);
	size_t state = hg_chunk_state(c);
	out->state = (state & (HG_QUARANTINED | HG_ISOLATED)) && !(state & HG_ARMED)
			     ? HG_DIAG_STATE_FREED
		     : (state & HG_INUSE) ? HG_DIAG_STATE_IN_USE
					  : HG_DIAG_STATE_FREE;
	out->has_requested = hg_chunk_requested(c, &out->requested);
	struct hg_origin origin, trailer;
	bool in_trailer = hg_chunk_origin(c, &trailer);
	if ((state & (HG_INUSE | HG_QUARANTINED | HG_ISOLATED)) && hg_chunk_owners(c, &origin)) {
		out->alloc_stack = origin.alloc_stack;
		out->alloc_thread = origin.alloc_thread;
		out->free_stack = origin.free_stack;
		out->free_thread = origin.free_thread;
		if (in_trailer) { /* exact thread numbers: the table's saturate */
			out->alloc_thread = trailer.alloc_thread;
			out->free_thread = trailer.free_thread;
			/* another thread's batch holds it: its free owner is
			 * not to be had out of the block */
			if (out->free_stack == 0)
				out->free_stack = trailer.free_stack;
		}
	} else if (in_trailer) {
		out->alloc_stack = trailer.alloc_stack;
		out->alloc_thread = trailer.alloc_thread;
		out->free_stack = trailer.free_stack;
		out->free_thread = trailer.free_thread;
	}
}

/* Owners of a chunk whose header may not verify: the side table only. */
static bool chunk_owners(const struct hg_chunk *c, struct hg_diag_chunk *out)
{
	struct hg_origin origin;
	if (!hg_chunk_owners(c, &origin))
		return false;
	out->alloc_stack = origin.alloc_stack;
	out->alloc_thread = origin.alloc_thread;
	out->free_stack = origin.free_stack;
	out->free_thread = origin.free_thread;
	return true;
}

struct below {
	uintptr_t target;
	const struct hg_chunk *found;
};

static bool below_visit(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	(void)av;
	struct below *b = ctx;
	uintptr_t start = (uintptr_t)c;
	if (start < b->target && start + hg_chunk_size(c) == b->target) {
		b->found = c;
		return false;
	}
	return true;
}

/* The chunk that ends at c, found by walking the heap from a trusted
 * start (a corrupt header stops the walk of its segment). */
static const struct hg_chunk *chunk_below(const struct hg_chunk *c)
{
	if (!hg_region_heap_chunk(c))
		return NULL; /* mmap'd on its own: nothing below it */
	struct below b = { (uintptr_t)c, NULL };
	hg_walk_heap(below_visit, NULL, &b);
	return b.found;
}

static unsigned thread_number(void)
{
	return hg_self.number;
}

/* A diagnostic's stack kept in the depot, when stacks are on. */
static uint32_t stack_id(const uintptr_t *pcs, unsigned n)
{
	return hg_stack_ready ? hg_depot_put(pcs, n) : 0;
}

const struct hg_diag_hooks hg_diag_hooks = {
	.describe_chunk = describe_chunk,
	.chunk_owners = chunk_owners,
	.chunk_below = chunk_below,
	.thread_number = thread_number,
	.unwind = hg_stack_unwind,
	.stack_frames = hg_stack_frames,
	.format_frame = hg_symtab_format_frame,
	.before_abort = hg_exit_before_abort,
	.stack_id = stack_id,
};
