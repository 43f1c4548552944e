/* SPDX-License-Identifier: MIT */
/* heapguard's public API.  The malloc family itself is declared by <stdlib.h>
 * and <malloc.h>; this header declares only what heapguard adds.  Link with
 * `pkg-config --libs heapguard`, or load the library with LD_PRELOAD. */
#ifndef HEAPGUARD_H
#define HEAPGUARD_H

#ifdef __cplusplus
extern "C" {
#endif

#define HEAPGUARD_VERSION "0.1.0"

/* The library's version string, e.g. "0.1.0". */
const char *heapguard_version(void);

/* Walk and verify the whole heap now: every chunk header, every free list,
 * and at level=full every live block's canary and every quarantined block's
 * fill.  Each error is reported as heapguard(7) describes (and, with the
 * default check=3, the first one aborts).  Returns the number of errors. */
int heapguard_check_heap(void);

/* Write the fragmentation report <report>.frag.gz now (heapguard(7),
 * heapguard-report(5)): what the heap holds and how much of it is free,
 * where, pinned by which allocation sites, and what malloc_trim(0) would
 * give back.  Prints its file name on stderr.  Returns 0, or -1 with errno
 * set (the reason is printed too).  The same report is written at exit
 * (frag=1) and on the signal named by report_signal=. */
int heapguard_report(void);

/* Make a leak checkpoint now (heapguard(3)): scan the process for leaks
 * with the program running (its other threads paused meanwhile) and write
 * <report>.checkpoint<N>.leaks.gz with what changed since checkpoint N-1
 * (or since the start, for N = 1): the blocks allocated since then that
 * are now lost or indirect, and those still reachable, by allocation site.
 * Prints the counts and the file name on stderr (outside a run).  Returns
 * N (1, 2, ...), or -1 with errno set (EBUSY: another checkpoint or scan
 * was in progress, or the heap stayed busy).  checkpoint_signal= makes
 * one on a signal. */
int heapguard_checkpoint(void);

#ifdef __cplusplus
}
#endif

#endif
