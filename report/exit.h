/* SPDX-License-Identifier: MIT */
/* The reports written when the process ends: at exit() or return from main,
 * at quick_exit(), and just before heapguard aborts on a heap error.  Each
 * process writes them once; a second caller waits for the first to finish,
 * so that no report is cut short by the process ending under it. */
#ifndef HG_REPORT_EXIT_H
#define HG_REPORT_EXIT_H

/* The exit status was not known (an abort, a quick_exit heapguard did not
 * see): the report says "status -" and leak_exitcode does not apply. */
#define HG_STATUS_UNKNOWN (-1)

/* At exit or quick_exit, after the program's handlers, with the status it
 * exits with (or HG_STATUS_UNKNOWN).  Returns the status to exit with
 * instead (leak_exitcode), or -1 to keep it. */
int hg_exit_write_reports(int status);

/* From the error path just before abort(): the arenas may be locked (by
 * this thread too), so only try-locks are used; what cannot be written
 * safely is skipped with one line on stderr. */
void hg_exit_before_abort(void);

/* report_on_crash=1, from the crash handler (report/crash.c): the reports
 * as before an abort, trigger crash, status unknown.  Nothing if another
 * caller wrote them or is writing them. */
void hg_exit_write_crash_reports(void);

/* In a forked child: its reports are its own, not yet written. */
void hg_exit_fork_child(void);

#endif
