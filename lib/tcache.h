/* SPDX-License-Identifier: MIT */
/* The per-thread cache: up to tcache_count free chunks per size class up to
 * tcache_max bytes, taken and given back without a lock.  The only code that
 * pushes and pops its lists; the fast paths of malloc and free (preload/)
 * are the two inline functions at the end, a leaf each. */
#ifndef HG_TCACHE_H
#define HG_TCACHE_H

#include "lib.h"

#define HG_TCACHE_MAX_COUNT 65535
#define HG_TCACHE_MAX_REQUEST ((size_t)1032)	/* largest request a cache bin holds */

static inline size_t hg_tcache_index(size_t sz)
{
	return (sz - HG_MINSIZE + HG_ALIGN_MASK) / HG_ALIGNMENT;
}

/* A list that does not hold up: reported, and dropped whole (its chunks are
 * never reused).  Returns NULL, for the caller to return. */
struct hg_chunk *hg_tcache_corrupt(struct hg_thread *t, size_t idx);
/* Every cached chunk back to its arena (thread exit, or the cache resized). */
void hg_tcache_flush(struct hg_thread *t);
/* Every list of t's cache verified, link by link (heapguard_check_heap);
 * a bad one is reported (op names the caller) and dropped. */
void hg_tcache_check(struct hg_thread *t, const char *op);

static inline void hg_tcache_put(struct hg_thread *t, struct hg_chunk *p, size_t idx)
{
	hg_chunk_set_allocated(p, 0);
	p->fd = hg_link_protect(&p->fd, t->tcache.entries[idx]);
	t->tcache.entries[idx] = p;
	t->tcache.counts[idx]++;
}

/* Links can be overwritten after a free, so each chunk is verified as it
 * leaves the cache, before its own link is read. */
static inline struct hg_chunk *hg_tcache_get(struct hg_thread *t, size_t idx)
{
	struct hg_chunk *p = t->tcache.entries[idx];
	if (HG_UNLIKELY(!hg_free_chunk_ok(p) || hg_tcache_index(hg_chunk_size(p)) != idx))
		return hg_tcache_corrupt(t, idx);
	struct hg_chunk *next = hg_link_reveal(&p->fd);
	if (HG_UNLIKELY(hg_misaligned(next)))
		return hg_tcache_corrupt(t, idx);
	t->tcache.entries[idx] = next;
	t->tcache.counts[idx]--;
	hg_chunk_set_allocated(p, 1);
	return p;
}

/* A chunk of nb bytes: the thread cache's if it has one, else an arena's
 * (hg_chunk_alloc_slow).  NULL when none can be had. */
static inline __attribute__((always_inline)) struct hg_chunk *hg_chunk_alloc(size_t nb)
{
	struct hg_thread *t = &hg_self;
	size_t tidx = hg_tcache_index(nb);
	struct hg_chunk *p;
	if (HG_LIKELY(tidx < hg_mp.tcache_bins && t->tcache.entries[tidx] != NULL &&
		      (p = hg_tcache_get(t, tidx)) != NULL))
		return p;
	return hg_chunk_alloc_slow(nb);
}

/* ---- the fast paths ---- */

/* malloc(bytes) from the cache, for bytes <= HG_TCACHE_MAX_REQUEST: the
 * block, or NULL when the list is empty, lies outside the common regions
 * (hg_region_heap_chunk_quick) or does not verify, which the slow path then
 * looks at again with a report.  The head is read as two halves: free just
 * stored the owner half whole, so the load forwards from that store. */
static inline __attribute__((always_inline)) void *hg_tcache_take_fast(struct hg_thread *t, size_t bytes)
{
	size_t nb = hg_request2size(bytes);
	size_t tidx = hg_tcache_index(nb);
	struct hg_chunk *p;
	if (HG_UNLIKELY(tidx >= hg_mp.tcache_bins || (p = t->tcache.entries[tidx]) == NULL ||
			!hg_region_heap_chunk_quick(p)))
		return NULL;
	uint32_t low = __atomic_load_n((uint32_t *)&p->head, __ATOMIC_RELAXED);
	uint32_t owner = __atomic_load_n(hg_chunk_owner_word(p), __ATOMIC_RELAXED);
	size_t head = (size_t)owner << HG_OWNER_SHIFT | low;
	struct hg_chunk *next = hg_link_reveal(&p->fd);
	if (HG_UNLIKELY(hg_misaligned(next) || (head & (HG_STATE_BITS | HG_IS_MMAPPED)) != 0 ||
			(head & HG_SIZE_MASK) != nb || hg_chunk_bad_heap_checksum(p, head, false)))
		return NULL;
	t->tcache.entries[tidx] = next;
	t->tcache.counts[tidx]--;
	/* U set and G and N stamped (hg_chunk_claim) in one store. */
	owner = ((owner ^ hg_chunk_inuse_flip()) & ~HG_STAMP_OWNER_MASK) |
		hg_stamp_owner_bits;
	__atomic_store_n(hg_chunk_owner_word(p), owner, __ATOMIC_RELAXED);
	t->own_blocks++;
	hg_own_log_note(t, p);
	return hg_chunk2mem(p);
}

/* free(mem) into the cache: true when mem is an allocated heap chunk of a
 * cached size, in the common regions, whose header verifies, and its list
 * has room; false leaves everything to the slow path, which checks in full.
 * (A size below HG_MINSIZE wraps tidx past every bin.) */
static inline __attribute__((always_inline)) bool hg_tcache_give_fast(struct hg_thread *t, void *mem)
{
	struct hg_chunk *p = hg_mem2chunk(mem);
	if (HG_UNLIKELY(hg_misaligned(mem) || !hg_region_heap_chunk_quick(p)))
		return false;
	uint32_t low = __atomic_load_n((uint32_t *)&p->head, __ATOMIC_RELAXED);
	uint32_t owner = __atomic_load_n(hg_chunk_owner_word(p), __ATOMIC_RELAXED);
	size_t head = (size_t)owner << HG_OWNER_SHIFT | low;
	size_t tidx = hg_tcache_index(head & HG_SIZE_MASK);
	if (HG_UNLIKELY((head & (HG_STATE_BITS | HG_IS_MMAPPED)) != HG_INUSE ||
			tidx >= hg_mp.tcache_bins || t->tcache.counts[tidx] >= hg_mp.tcache_count ||
			hg_chunk_bad_heap_checksum(p, head, true)))
		return false;
	__atomic_store_n(hg_chunk_owner_word(p), owner ^ hg_chunk_inuse_flip(), __ATOMIC_RELAXED);
	t->own_blocks -= ((owner ^ hg_stamp_owner_bits) & HG_GENERATION_OWNER_MASK) == 0;
	p->fd = hg_link_protect(&p->fd, t->tcache.entries[tidx]);
	t->tcache.entries[tidx] = p;
	t->tcache.counts[tidx]++;
	return true;
}

#endif
