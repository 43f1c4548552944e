/* SPDX-License-Identifier: MIT */
/* The per-thread cache: up to tcache_count free chunks per size class up to
 * tcache_max bytes, taken and given back without a lock.  A dying thread's
 * cache goes back to the arenas. */
#include "internal.h"

void hg_tcache_put(struct hg_thread *t, struct hg_chunk *p, size_t idx)
{
	hg_chunk_set_allocated(p, 0);
	p->fd = hg_link_protect(&p->fd, t->tcache.entries[idx]);
	t->tcache.entries[idx] = p;
	t->tcache.counts[idx]++;
}

struct hg_chunk *hg_tcache_get(struct hg_thread *t, size_t idx)
{
	struct hg_chunk *p = t->tcache.entries[idx];
	struct hg_chunk *next = hg_link_reveal(&p->fd);
	if (HG_UNLIKELY(hg_misaligned(next)))
		hg_corruption("freelist-corruption", next,
			      "malloc(): unaligned tcache chunk detected");
	t->tcache.entries[idx] = next;
	t->tcache.counts[idx]--;
	hg_chunk_set_allocated(p, 1);
	return p;
}

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
