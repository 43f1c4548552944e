/* SPDX-License-Identifier: MIT */
/* The leak report at exit: every live chunk, classified lost / indirect /
 * reachable by a conservative scan (scan.h), grouped by allocation stack,
 * matched against suppressions=, and written to <prefix>.leaks.gz
 * (heapguard-report(5)) with the heap errors of the process.  The scan
 * comes first, so that the caller can decide whether the process has a
 * finding before anything is written. */
#ifndef HG_LEAKS_H
#define HG_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the scan found, suppressed sites left out (but counted apart). */
struct hg_leaks_result {
	uint64_t lost, lost_blocks;	    /* bytes, blocks */
	uint64_t indirect, indirect_blocks;
	uint64_t suppressed, suppressed_blocks; /* lost + indirect of suppressed sites */
	uint64_t reachable, reachable_blocks;
	size_t sites;			    /* lost and indirect sites not suppressed */
	bool idle; /* a fork child with no block of its own: nothing was scanned */
};

/* Scan, once, last thing at exit, with the exit status (negative: not
 * known, as before an abort; see report/exit.h).  False when no scan could
 * be made (said on stderr outside a run).  Safe with other threads running;
 * never waits for a lock. */
bool hg_leaks_scan(int status, struct hg_leaks_result *out);

/* Write the report of the last scan (with the heap errors); its name goes to
 * final (or the name it would have had).  0, or an errno.  *fallback: it
 * went to $TMPDIR. */
int hg_leaks_write(char *final, size_t len, bool *fallback);

/* Release what the scan holds (and let the next scan start). */
void hg_leaks_done(void);

/* Checkpoint number (1, 2, ...) now, with the program running: the blocks
 * handed out since the checkpoint before (or since the start), classified
 * by a scan of the whole process, written to <prefix>.checkpoint<N>.leaks.gz
 * with interval_us, the time since that checkpoint; then every live
 * block counts as seen.  0, or an errno: EBUSY when another scan or the
 * heap was busy (nothing was seen then).  Never calls malloc. */
int hg_leaks_checkpoint(unsigned number, uint64_t interval_us, char *final, size_t len,
			struct hg_leaks_result *out);

/* fork(): a scan another thread was making is not the child's. */
void hg_leaks_fork_child(void);

#endif
