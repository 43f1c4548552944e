/* SPDX-License-Identifier: MIT */
/* libunwind, loaded privately: stack/unwind.c owns the handle and the one
 * entry point heapguard calls; stack/depot.c stores what it returns. */
#ifndef HG_UNWIND_H
#define HG_UNWIND_H

#include <stdbool.h>
#include <stdint.h>

/* heapguard's own frames above a capture, at most (a diagnostic from deep
 * inside the allocator). */
#define HG_OWN_FRAMES_MAX 16

/* Up to max return addresses of the calling thread, innermost first, with
 * heapguard's own frames (and anything inlined into them) left out.  Where
 * the CFI walk gives up, libunwind walks, if it is loaded: hg_unwind never
 * loads it (diagnostics, which may hold the heap's locks or run in a signal
 * handler); hg_unwind_capture loads it at its first need, and must be
 * called with no lock of heapguard's held (an allocation's or a free's
 * stack, from preload/api.c), with hg_self.unwinding set. */
unsigned hg_unwind(uintptr_t *pcs, unsigned max);
unsigned hg_unwind_capture(uintptr_t *pcs, unsigned max);

/* Called (indirectly) from exit(): the stack address where the frame of
 * exit()'s caller begins, or from_sp when it cannot be found.  The leak
 * scan starts there, leaving out the frames of the exit machinery, whose
 * unused slots hold stale copies of pointers from earlier calls (malloc's
 * own frames among them) that would make lost blocks look reachable. */
uintptr_t hg_unwind_exit_caller_sp(uintptr_t from_sp);
/* heapguard's exit handler, on entry: its return address, the stack
 * pointer above it and its caller's frame pointer, where the walk of
 * hg_unwind_exit_caller_sp starts. */
void hg_unwind_exit_entry(uintptr_t ra, uintptr_t sp, uintptr_t bp);

/* fork(): wait until no thread is inside libunwind (whose locks a child
 * could not take), and keep captures out of it until the fork is done. */
void hg_unwind_fork_prepare(void);
void hg_unwind_fork_parent(void);
void hg_unwind_fork_child(void);

/* pc lies in heapguard's own code. */
bool hg_unwind_is_ours(uintptr_t pc);

#endif
