/* SPDX-License-Identifier: MIT */
/* Reports asked for by a signal: report_signal= (the fragmentation report)
 * and checkpoint_signal= (a leak checkpoint).  The handler only notes what
 * was asked for and sends malloc and free to their slow paths, which make
 * it there (hg_request_poll), where the heap is consistent and no
 * heapguard lock is held. */
#ifndef HG_REQUEST_H
#define HG_REQUEST_H

/* At start-up: install the handler of each signal named. */
void hg_request_signal_init(void);

/* From malloc's and free's slow paths: make what a signal asked for.
 * Cheap when nothing was. */
void hg_request_poll(void);

#endif
