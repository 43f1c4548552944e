/* SPDX-License-Identifier: MIT */
/* level=full: live bytes per allocation stack, and the sites that held the
 * most when the live total last passed its peak by a 32nd (the peak of the
 * fragmentation report). */
#ifndef HG_PEAK_H
#define HG_PEAK_H

#include <stddef.h>
#include <stdint.h>

#define HG_PEAK_SITES 10

struct hg_peak_site {
	uint32_t stack;
	uint64_t blocks, bytes;
};

struct hg_peak {
	size_t live;	       /* the live total when the sites were recorded */
	uint64_t uptime_us;    /* and when */
	unsigned nsites;
	struct hg_peak_site sites[HG_PEAK_SITES]; /* by bytes, largest first */
};

/* A block of chunk_bytes from allocation stack `stack` was handed out
 * (chunk_bytes > 0) or went back (< 0). */
void hg_peak_block(uint32_t stack, ptrdiff_t chunk_bytes);
/* Add the calling thread's pending counts to the shared counters (before
 * a report, and at thread exit). */
void hg_peak_flush(void);
/* The last recording (nsites 0: none yet). */
void hg_peak_get(struct hg_peak *out);
/* fork(): no recording half done in the child. */
void hg_peak_fork_child(void);

#endif
