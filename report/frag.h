/* SPDX-License-Identifier: MIT */
/* The fragmentation report: what the heap holds, what of it is free, where
 * the free memory lies, which allocation sites pin it and what trimming
 * would give back, written to <prefix>.frag.gz (heapguard-report(5)). */
#ifndef HG_FRAG_H
#define HG_FRAG_H

#include <stddef.h>

#include "../format/frag.h" /* enum hg_frag_trigger */

/* Write the report now; its file name goes to final (or the name it would
 * have had).  0, or an errno (EBUSY: the heap or another report was busy
 * and the trigger cannot wait, EAGAIN: nothing to report on).  status is
 * the exit status at HG_FRAG_AT_EXIT.  Never calls malloc. */
int hg_frag_write(enum hg_frag_trigger trigger, int status, char *final, size_t len);

/* The one line on stderr after hg_frag_write: its name, or why it was
 * not written. */
void hg_frag_say(int err, const char *final);

/* fork(): a report another thread was writing is not the child's. */
void hg_frag_fork_child(void);

#endif
