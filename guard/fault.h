/* SPDX-License-Identifier: MIT */
/* Faults at guarded addresses: a sampled slot's guard page or freed page
 * (sample.h), a quarantined block's protected pages (protect.h).  The
 * handler is report/crash.c's, which asks here first. */
#ifndef HG_GUARD_FAULT_H
#define HG_GUARD_FAULT_H

#include <signal.h>
#include <stdbool.h>

/* report/crash.c installed handler for both SIGSEGV and SIGBUS (NULL: it
 * could not, the program had its own): guarded pages are made only while
 * that handler is still the one in place. */
void hg_guard_fault_handler(void (*handler)(int, siginfo_t *, void *));
/* Guarded pages may be made now: the handler is still ours for both
 * signals (a program that installs its own SIGSEGV or SIGBUS handler
 * stops them for good: its handler would be given faults it does not
 * expect).  Two sigaction calls. */
bool hg_guard_faults_on(void);
/* Options that may make guarded pages: the handler is needed. */
bool hg_guard_faults_wanted(void);
/* From the handler: a fault of the kernel's at a guarded address is
 * reported at the access (its stack from uctx), then, when check= goes
 * on, its page made accessible: true, the handler returns and the access
 * is retried.  False: not heapguard's fault. */
bool hg_guard_fault(int sig, const siginfo_t *info, void *uctx);

#endif
