/* SPDX-License-Identifier: MIT */
/* The leak report at exit: every live chunk, classified lost / indirect /
 * reachable by a conservative scan (scan.h), grouped by allocation stack and
 * written to <prefix>.leaks.gz (heapguard-report(5)), summed up on stderr. */
#ifndef HG_LEAKS_H
#define HG_LEAKS_H

/* Called once, last thing at exit, with the exit status (negative: not
 * known, as before an abort; see report/exit.h) and the name of the
 * fragmentation report just written ("" if none), for the summary.  Returns the
 * status to exit with instead (leak_exitcode), or -1 to keep it.  Safe with
 * other threads running; never waits for a lock. */
int hg_leaks_at_exit(int status, const char *frag_report);

#endif
