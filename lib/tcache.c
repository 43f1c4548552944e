/* SPDX-License-Identifier: MIT */
/* The per-thread cache: up to tcache_count free chunks per size class up to
 * tcache_max bytes, taken and given back without a lock.  A dying thread's
 * cache goes back to the arenas. */
#include "internal.h"

/* Give every cached chunk back to its arena (thread exit, or the cache is
 * being resized by mallopt/tunables). */
void hg_tcache_flush(struct hg_thread *t)
{
	for (size_t i = 0; i < HG_TCACHE_BINS; i++) {
		while (t->tcache.entries[i] != NULL) {
			struct hg_chunk *p = hg_tcache_get(t, i);
			hg_int_free(hg_arena_of_chunk(p), p, false);
		}
	}
}
