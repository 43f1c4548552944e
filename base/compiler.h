/* SPDX-License-Identifier: MIT */
/* Branch hints and symbol visibility, shared by every in-process layer. */
#ifndef HG_COMPILER_H
#define HG_COMPILER_H

#define HG_LIKELY(x) __builtin_expect(!!(x), 1)
#define HG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HG_HIDDEN __attribute__((visibility("hidden")))
/* The few variables every fork child writes (its handlers, a clean exit):
 * side by side in one section, so that a child copies one page for them
 * rather than one per file. */
#define HG_FORK_STATE __attribute__((section("hg_fork_state")))

#endif
