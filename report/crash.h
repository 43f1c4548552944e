/* SPDX-License-Identifier: MIT */
/* When the program dies of a fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
 * SIGABRT): the heap check of crash_check=1 and the reports of
 * report_on_crash=1, from one handler, before the signal's own death. */
#ifndef HG_REPORT_CRASH_H
#define HG_REPORT_CRASH_H

/* Start-up: the handlers, for each of those signals whose disposition is
 * still the default (a few sigaction calls; none when both options are
 * off); with report_on_crash, the main thread's alternate stack. */
void hg_crash_init(void);

#endif
