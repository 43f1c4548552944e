/* SPDX-License-Identifier: MIT */
/* Leak checkpoints (heapguard_checkpoint(), checkpoint_signal=): numbered
 * from 1 in each process (a fork child starts again at 1), each a leak
 * report of the blocks handed out since the one before, written while the
 * program runs (report/leaks.c makes it). */
#ifndef HG_CHECKPOINT_H
#define HG_CHECKPOINT_H

/* At start-up: "since the start" is measured from here. */
void hg_checkpoint_start(void);

/* Make the next checkpoint and say on stderr (outside a run) what it
 * found and where it went.  Its number, or -1 with errno set (EBUSY:
 * another checkpoint, the exit's scan or the heap was busy). */
int hg_checkpoint_now(void);

/* fork(): the child's checkpoints are its own, from 1, since the fork. */
void hg_checkpoint_fork_child(void);

#endif
