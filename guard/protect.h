/* SPDX-License-Identifier: MIT */
/* level=full: a big freed block's whole pages are made inaccessible while
 * it waits in the quarantine, instead of filling its first fill_max bytes,
 * so a read or write at any offset faults at the access.  Which blocks:
 * those whose block holds at least HG_PROTECT_MIN_PAGES whole pages before
 * its trailer; the part before the first whole page (where the chunk
 * header is) is still filled and checked, the trailer and the next
 * chunk's header after the last one stay accessible.  At least
 * HG_PROTECT_PURGE_MIN bytes of such pages go back to the system while
 * protected, unless check= lets a reported access go on (then the
 * program reads what it left). */
#ifndef HG_GUARD_PROTECT_H
#define HG_GUARD_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hg_chunk;

#define HG_PROTECT_MIN_PAGES 4
#define HG_PROTECT_PURGE_MIN ((uintptr_t)64 << 10)
/* Most blocks protected at once (a table the fault handler reads); the
 * quarantine's later big blocks are filled as small ones. */
#define HG_PROTECT_MAX 4096

/* The pages of c's block a quarantine would protect, [*lo, *hi); false
 * when c is too small (then it is filled as any other). */
bool hg_protect_range(const struct hg_chunk *c, uintptr_t *lo, uintptr_t *hi);
/* c enters the quarantine: its pages made inaccessible and recorded. */
void hg_protect_block(struct hg_chunk *c);
/* c leaves the quarantine: its pages accessible again. */
void hg_protect_release(struct hg_chunk *c);
/* The protected block holding addr: its chunk, or NULL. */
struct hg_chunk *hg_protect_find(uintptr_t addr);
/* c's pages are protected now (the fill covers only the part before them). */
bool hg_protect_holds(const struct hg_chunk *c);
/* After a reported access (check=0/1): c's pages accessible until it
 * leaves the quarantine (where they hold no fill, as before). */
void hg_protect_open(struct hg_chunk *c);
/* Before each fork, single-threaded or not; the first one (that finds
 * the table free: a fork in a signal handler may not) turns the
 * blocks protected so far to guard markers (their pages go, and their
 * pieces of the heap's mapping merge again, so that even this fork copies
 * none), and so are all blocks protected after it (check= 2 or 3). */
void hg_protect_before_fork(void);
/* Counts for the fragmentation report: blocks protected so far, now. */
void hg_protect_stats(size_t *total, size_t *now);
/* fork(): the table is not half changed in the child. */
void hg_protect_fork_prepare(void);
void hg_protect_fork_parent(void);
void hg_protect_fork_child(void);

#endif
