/* SPDX-License-Identifier: MIT */
/* The heap over time: a sample of the heap's figures each time the clock
 * has moved on by a step, taken only where the heap already left its fast
 * paths (memory from or back to the system, a batch of live bytes), so
 * malloc and free pay nothing for it.  At most HG_FRAG_TIMELINE_MAX
 * samples: when they are all used, every other one goes and the step
 * doubles, so the samples stay spread over the whole run. */
#ifndef HG_TIMELINE_H
#define HG_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../format/frag.h"

struct hg_timeline_sample {
	uint64_t t_us;	   /* since heapguard started */
	size_t system;	   /* arena segments and own mappings */
	size_t in_use;	   /* level=full: chunk bytes of live blocks */
	size_t quarantine; /* level=full: freed bytes held in the quarantine */
	size_t resident;   /* the process's resident set, 0 if unknown */
	bool has_in_use;   /* false at level=fast: in_use (and free) unknown */
};

/* The lib hook heap_changed: takes a sample if one is due.  Never calls
 * malloc, takes no arena lock, skips the sample if another thread takes one. */
void hg_timeline_poll(void);

/* The samples so far (at most HG_FRAG_TIMELINE_MAX - 1, thinned as the
 * run's own) followed by one taken now: the count written to out. */
size_t hg_timeline_get(struct hg_timeline_sample *out);

/* fork(): a sample another thread was taking is not the child's (locked:
 * the fork was made with other threads), and the child's next sample is
 * due a step after the fork, not when its parent's was: a child that
 * lives less than a step (a subshell, a fork-per-test runner's test)
 * reads /proc/self/statm for no sample it reports (its report, if any,
 * ends with a sample taken then). */
void hg_timeline_fork_child(bool locked);

#endif
