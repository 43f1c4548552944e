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
/* The variables every process writes as it starts (options, parameters,
 * the main arena's head): side by side in one section, next to the page
 * of .data that the loader writes anyway, so that a short process faults
 * in one page for them rather than seven (a fault costs more than all the
 * rest of heapguard's start on some virtual machines). */
#define HG_START_STATE __attribute__((section("hg_start_state")))
/* The fork handlers' code, side by side in a section of its own (which the
 * linker puts with .text.unlikely, at any optimisation level), so that a
 * fork child (most exec at once) faults in one window of heapguard's code
 * for them rather than one per file; cold, as they are. */
#define HG_FORK_CODE __attribute__((cold, section(".text.unlikely.hg_fork")))

/* A function the program (or glibc on its behalf: exit, fork, thread exit)
 * calls into.  Its stack may be 8 bytes off the ABI's 16-byte alignment
 * (hand-written assembly, a JIT, a hijacked return) and glibc's malloc runs
 * on such a stack, so heapguard realigns it on entry instead of faulting at
 * the first aligned store of a vector register.  Not on the inline fast
 * paths, which are leaves that store nothing aligned on the stack. */
#define HG_ENTRY __attribute__((force_align_arg_pointer))

#endif
