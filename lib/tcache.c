/* SPDX-License-Identifier: MIT */
/* The per-thread cache's slow side (tcache.h has the inline take and
 * give): a list found broken, the check of every list, a dying thread's
 * cache going back to the arenas, and a freed chunk's way back. */
#include "internal.h"

/* A cache list that does not hold up at c, its head or a chunk a verified
 * link led to (tcache poisoning, a write after free into a link): report,
 * and drop the whole list, since nothing after the bad link can be trusted.
 * The dropped chunks are never reused. */
static void drop_list(struct hg_thread *t, size_t idx, struct hg_chunk *c, const char *op)
{
	if (!hg_free_chunk_ok(c) || hg_tcache_index(hg_chunk_size(c)) != idx)
		hg_diag_tcache_entry(hg_chunk2mem(c), op, HG_MINSIZE + idx * HG_ALIGNMENT, c);
	else
		hg_diag_tcache_next(hg_chunk2mem(c), c, op, hg_link_reveal(&c->fd));
	t->tcache.entries[idx] = NULL;
	t->tcache.counts[idx] = 0;
}

struct hg_chunk *hg_tcache_corrupt(struct hg_thread *t, size_t idx)
{
	drop_list(t, idx, t->tcache.entries[idx], "malloc");
	return NULL;
}

void hg_tcache_check(struct hg_thread *t, const char *op)
{
	for (size_t i = 0; i < hg_mp.tcache_bins && i < HG_TCACHE_BINS; i++) {
		struct hg_chunk *c = t->tcache.entries[i];
		for (unsigned n = 0; c != NULL && n <= t->tcache.counts[i]; n++) {
			struct hg_chunk *next;
			if (!hg_free_chunk_ok(c) || hg_tcache_index(hg_chunk_size(c)) != i ||
			    hg_misaligned(next = hg_link_reveal(&c->fd))) {
				drop_list(t, i, c, op);
				break;
			}
			c = next;
		}
	}
}

/* Give every cached chunk back to its arena (thread exit, or the cache is
 * being resized by mallopt/tunables). */
void hg_tcache_flush(struct hg_thread *t)
{
	for (size_t i = 0; i < HG_TCACHE_BINS; i++) {
		struct hg_chunk *p;
		while (t->tcache.entries[i] != NULL && (p = hg_tcache_get(t, i)) != NULL)
			hg_int_free(hg_arena_of_chunk(p), p, false);
	}
}

/* A free chunk goes back to the heap: the thread cache, or its arena. */
void hg_release_freed(struct hg_chunk *p, const char *op)
{
	if (hg_chunk_is_mmapped(p)) {
		hg_munmap_chunk(p, op);
		return;
	}
	struct hg_thread *t = &hg_self;
	if (t->state == HG_THREAD_NEW)
		hg_thread_activate(t);
	size_t size = hg_chunk_size(p);
	size_t tidx = hg_tcache_index(size);
	if (tidx < hg_mp.tcache_bins && t->state == HG_THREAD_ACTIVE &&
	    t->tcache.counts[tidx] < hg_mp.tcache_count) {
		hg_perturb_free(hg_chunk2mem(p), size - HG_CHUNK_HDR);
		hg_tcache_put(t, p, tidx);
		return;
	}
	hg_int_free(hg_arena_of_chunk(p), p, false);
}
