/* SPDX-License-Identifier: MIT */
/* The heap's size over the run: bytes taken from the system (arena
 * segments and chunks mmap'd on their own) and, at level=full, bytes of
 * live blocks, each with its peak and when it happened, for the
 * fragmentation report.  Updated where memory changes hands with the
 * system (rare) and, at level=full, where a block is armed or released. */
#ifndef HG_USAGE_H
#define HG_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hg_usage {
	size_t system, system_peak;	/* arena segments + own mappings */
	uint64_t system_peak_us;	/* when the peak was reached, since start */
	size_t live, live_peak;		/* level=full: chunk bytes of live blocks */
	uint64_t live_peak_us;
};

/* Start of the run (heapguard's initialisation). */
void hg_usage_start(void);
/* Microseconds since then. */
uint64_t hg_usage_uptime_us(void);
/* fork(): the prepare handler reads the clock; in the child, that reading
 * (microseconds since the start) is the child's start. */
void hg_usage_fork_prepare(void);
uint64_t hg_usage_fork_uptime_us(void);

void hg_usage_system(ptrdiff_t delta);
/* A live block of delta chunk bytes appeared (or went, delta < 0).  True
 * when the live total just passed the last recorded peak by a 32nd: the
 * caller records what holds memory now (report/sites.h). */
bool hg_usage_live(ptrdiff_t delta);
/* The live total at the last such mark (the peak sites' moment). */
size_t hg_usage_marked(void);

void hg_usage_get(struct hg_usage *u);

#endif
