/* SPDX-License-Identifier: MIT */
/* The two hook tables through which the lower layers reach the upper ones
 * without including them: lib/ (fork, thread exit) and base/'s diagnostics
 * writer (a chunk's owners, stacks, the reports before an abort).  Constant
 * initialisers, so both are in place before the first malloc. */
#include "../base/diag.h"
#include "../guard/guard.h"
#include "../lib/hooks.h"
#include "../lib/lib.h"
#include "../report/exit.h"
#include "../report/timeline.h"
#include "../stack/stack.h"
#include "../stack/symtab.h"
#include "process.h"

const struct hg_lib_hooks hg_lib_hooks = {
	.fork_prepare = hg_process_fork_prepare,
	.fork_parent = hg_process_fork_parent,
	.fork_child = hg_process_fork_child,
	.thread_exit = hg_guard_thread_exit,
	.heap_changed = hg_timeline_poll,
};

/* The chunk's size from its header; at level=full, its request and owners
 * from its trailer when that verifies. */
static void describe_chunk(const struct hg_chunk *c, struct hg_diag_chunk *out)
{
	out->size = hg_chunk_size(c);
	out->has_requested = hg_chunk_requested(c, &out->requested);
	struct hg_origin origin;
	if (hg_chunk_origin(c, &origin)) {
		out->alloc_stack = origin.alloc_stack;
		out->alloc_thread = origin.alloc_thread;
		out->free_stack = origin.free_stack;
		out->free_thread = origin.free_thread;
	}
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
	.thread_number = thread_number,
	.unwind = hg_stack_unwind,
	.stack_frames = hg_stack_frames,
	.format_frame = hg_symtab_format_frame,
	.before_abort = hg_exit_before_abort,
	.stack_id = stack_id,
};
