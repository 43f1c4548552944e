/* SPDX-License-Identifier: MIT */
/* The arena algorithms of ptmalloc2's model: taking a chunk for a request
 * (fastbins, small bins, the unsorted sweep, sorted large bins, the binmap,
 * top), freeing with coalescing, consolidating fastbins, realloc in place and
 * memalign.  Every function here runs with av->lock held. */
#include <string.h>

#include "internal.h"

/* ---- doubly linked bins ---- */

void hg_unlink_chunk(struct hg_arena *av, struct hg_chunk *p)
{
	size_t size = hg_chunk_size(p);
	if (HG_UNLIKELY(hg_chunk_next(p)->prev_size != size))
		hg_corruption("header-corruption", hg_chunk2mem(p), "corrupted size vs. prev_size");
	struct hg_chunk *fd = p->fd, *bk = p->bk;
	if (HG_UNLIKELY(fd->bk != p || bk->fd != p))
		hg_corruption("freelist-corruption", hg_chunk2mem(p),
			      "corrupted double-linked list");
	fd->bk = bk;
	bk->fd = fd;
	if (hg_in_smallbin_range(size) || p->fd_nextsize == NULL)
		return;
	/* p leads its size group in a large bin's skip list. */
	if (HG_UNLIKELY(p->fd_nextsize->bk_nextsize != p || p->bk_nextsize->fd_nextsize != p))
		hg_corruption("freelist-corruption", hg_chunk2mem(p),
			      "corrupted double-linked list (not small)");
	struct hg_chunk *bin = hg_bin_at(av, hg_largebin_index(size));
	if (fd != bin && fd->fd_nextsize == NULL) {
		/* The next chunk has p's size: it becomes the group's leader. */
		if (p->fd_nextsize == p) {
			fd->fd_nextsize = fd->bk_nextsize = fd;
		} else {
			fd->fd_nextsize = p->fd_nextsize;
			fd->bk_nextsize = p->bk_nextsize;
			p->fd_nextsize->bk_nextsize = fd;
			p->bk_nextsize->fd_nextsize = fd;
		}
	} else {
		p->fd_nextsize->bk_nextsize = p->bk_nextsize;
		p->bk_nextsize->fd_nextsize = p->fd_nextsize;
	}
}

/* New free chunks enter at the head of the unsorted bin. */
static void unsorted_insert(struct hg_arena *av, struct hg_chunk *p, size_t size)
{
	struct hg_chunk *bck = hg_bin_at(av, HG_UNSORTED);
	struct hg_chunk *fwd = bck->fd;
	if (HG_UNLIKELY(fwd->bk != bck))
		hg_corruption("freelist-corruption", hg_chunk2mem(p),
			      "free(): corrupted unsorted chunks");
	if (!hg_in_smallbin_range(size)) {
		p->fd_nextsize = NULL;
		p->bk_nextsize = NULL;
	}
	p->bk = bck;
	p->fd = fwd;
	bck->fd = p;
	fwd->bk = p;
}

/* Place a chunk taken off the unsorted bin into its small or large bin; large
 * bins stay sorted by size, largest first, with one leader per size linked
 * through fd_nextsize/bk_nextsize. */
static void bin_insert(struct hg_arena *av, struct hg_chunk *victim, size_t size)
{
	unsigned idx;
	struct hg_chunk *bck, *fwd;
	if (hg_in_smallbin_range(size)) {
		idx = hg_smallbin_index(size);
		bck = hg_bin_at(av, idx);
		fwd = bck->fd;
	} else {
		idx = hg_largebin_index(size);
		bck = hg_bin_at(av, idx);
		fwd = bck->fd;
		if (fwd == bck) {
			victim->fd_nextsize = victim->bk_nextsize = victim;
		} else if (size < hg_chunk_size(bck->bk)) {
			/* Smaller than everything: append, as the smallest leader. */
			struct hg_chunk *largest = bck->fd;
			fwd = bck;
			bck = bck->bk;
			victim->fd_nextsize = largest;
			victim->bk_nextsize = largest->bk_nextsize;
			largest->bk_nextsize = victim;
			victim->bk_nextsize->fd_nextsize = victim;
		} else {
			while (size < hg_chunk_size(fwd))
				fwd = fwd->fd_nextsize;
			if (size == hg_chunk_size(fwd)) {
				/* Join the group behind its leader; the skip list is unchanged. */
				victim->fd_nextsize = victim->bk_nextsize = NULL;
				fwd = fwd->fd;
			} else {
				victim->fd_nextsize = fwd;
				victim->bk_nextsize = fwd->bk_nextsize;
				if (HG_UNLIKELY(fwd->bk_nextsize->fd_nextsize != fwd))
					hg_corruption("freelist-corruption", hg_chunk2mem(fwd),
						      "malloc(): largebin double linked list corrupted (nextsize)");
				fwd->bk_nextsize = victim;
				victim->bk_nextsize->fd_nextsize = victim;
			}
			bck = fwd->bk;
			if (HG_UNLIKELY(bck->fd != fwd))
				hg_corruption("freelist-corruption", hg_chunk2mem(fwd),
					      "malloc(): largebin double linked list corrupted (bk)");
		}
	}
	hg_binmap_mark(av, idx);
	victim->bk = bck;
	victim->fd = fwd;
	fwd->bk = victim;
	bck->fd = victim;
}

/* ---- handing out a chunk ---- */

/* Give victim (free, of size `size`, already off its list) to a request of nb
 * bytes; a remainder of at least MINSIZE goes to the unsorted bin. */
static struct hg_chunk *split_and_take(struct hg_arena *av, struct hg_chunk *victim, size_t size,
				       size_t nb, bool remember_remainder)
{
	size_t rsize = size - nb;
	if (rsize < HG_MINSIZE) {
		hg_chunk_set_prev_inuse(hg_chunk_at(victim, size), 1);
		hg_chunk_set_head(victim, size | HG_PREV_INUSE | HG_INUSE | av->chunk_flags);
		return victim;
	}
	struct hg_chunk *rem = hg_chunk_at(victim, nb);
	hg_chunk_set_head(victim, nb | HG_PREV_INUSE | HG_INUSE | av->chunk_flags);
	hg_chunk_set_head(rem, rsize | HG_PREV_INUSE | av->chunk_flags);
	hg_chunk_set_foot(rem, rsize);
	unsorted_insert(av, rem, rsize);
	if (remember_remainder)
		av->last_remainder = rem;
	return victim;
}

struct hg_chunk *hg_take_from_top(struct hg_arena *av, size_t nb)
{
	struct hg_chunk *victim = av->top;
	size_t size = hg_chunk_size(victim);
	if (HG_UNLIKELY(size > av->system_mem))
		hg_corruption("top-corruption", hg_chunk2mem(victim), "malloc(): corrupted top size");
	if (size < nb + HG_MINSIZE)
		return NULL;
	struct hg_chunk *rem = hg_chunk_at(victim, nb);
	av->top = rem;
	hg_chunk_set_head(victim, nb | HG_PREV_INUSE | HG_INUSE | av->chunk_flags);
	hg_chunk_set_head(rem, (size - nb) | HG_PREV_INUSE | av->chunk_flags);
	return victim;
}

static struct hg_chunk *fastbin_pop(struct hg_arena *av, unsigned idx)
{
	struct hg_chunk **fb = &av->fastbins[idx];
	struct hg_chunk *victim = *fb;
	if (victim == NULL)
		return NULL;
	if (HG_UNLIKELY(hg_misaligned(victim)))
		hg_corruption("freelist-corruption", victim,
			      "malloc(): unaligned fastbin chunk detected 2");
	struct hg_chunk *next = hg_link_reveal(&victim->fd);
	if (HG_UNLIKELY(hg_misaligned(next)))
		hg_corruption("freelist-corruption", next,
			      "malloc(): unaligned fastbin chunk detected");
	if (HG_UNLIKELY(hg_fastbin_index(hg_chunk_size(victim)) != idx))
		hg_corruption("freelist-corruption", hg_chunk2mem(victim),
			      "malloc(): memory corruption (fast)");
	*fb = next;
	return victim;
}

/* Fast and small requests also refill the thread's cache from the same bin,
 * so the next requests of that size take no lock. */
static void stash_fastbin(struct hg_arena *av, unsigned fidx, size_t nb)
{
	struct hg_thread *t = &hg_self;
	size_t tidx = hg_tcache_index(nb);
	if (tidx >= hg_mp.tcache_bins || t->state != HG_THREAD_ACTIVE)
		return;
	while (t->tcache.counts[tidx] < hg_mp.tcache_count) {
		struct hg_chunk *c = fastbin_pop(av, fidx);
		if (c == NULL)
			break;
		hg_tcache_put(t, c, tidx);
	}
}

static void stash_smallbin(struct hg_arena *av, struct hg_chunk *bin, size_t nb)
{
	struct hg_thread *t = &hg_self;
	size_t tidx = hg_tcache_index(nb);
	if (tidx >= hg_mp.tcache_bins || t->state != HG_THREAD_ACTIVE)
		return;
	struct hg_chunk *c;
	while (t->tcache.counts[tidx] < hg_mp.tcache_count && (c = bin->bk) != bin) {
		struct hg_chunk *bck = c->bk;
		if (HG_UNLIKELY(bck->fd != c))
			hg_corruption("freelist-corruption", hg_chunk2mem(c),
				      "malloc(): smallbin double linked list corrupted");
		hg_chunk_set_prev_inuse(hg_chunk_at(c, nb), 1);
		hg_chunk_set_head(c, nb | HG_PREV_INUSE | HG_INUSE | av->chunk_flags);
		bin->bk = bck;
		bck->fd = bin;
		hg_tcache_put(t, c, tidx);
	}
}

static struct hg_chunk *smallbin_take(struct hg_arena *av, size_t nb)
{
	struct hg_chunk *bin = hg_bin_at(av, hg_smallbin_index(nb));
	struct hg_chunk *victim = bin->bk;
	if (victim == bin)
		return NULL;
	struct hg_chunk *bck = victim->bk;
	if (HG_UNLIKELY(bck->fd != victim))
		hg_corruption("freelist-corruption", hg_chunk2mem(victim),
			      "malloc(): smallbin double linked list corrupted");
	hg_chunk_set_prev_inuse(hg_chunk_at(victim, nb), 1);
	hg_chunk_set_head(victim, nb | HG_PREV_INUSE | HG_INUSE | av->chunk_flags);
	bin->bk = bck;
	bck->fd = bin;
	stash_smallbin(av, bin, nb);
	return victim;
}

static void check_unsorted_victim(struct hg_arena *av, struct hg_chunk *victim, size_t size)
{
	struct hg_chunk *next = hg_chunk_at(victim, size);
	if (HG_UNLIKELY(size <= HG_CHUNK_HDR || size > av->system_mem))
		hg_corruption("header-corruption", hg_chunk2mem(victim),
			      "malloc(): invalid size (unsorted)");
	if (HG_UNLIKELY(hg_chunk_size(next) < HG_CHUNK_HDR || hg_chunk_size(next) > av->system_mem))
		hg_corruption("header-corruption", hg_chunk2mem(next),
			      "malloc(): invalid next size (unsorted)");
	if (HG_UNLIKELY(next->prev_size != size))
		hg_corruption("header-corruption", hg_chunk2mem(victim),
			      "malloc(): mismatching next->prev_size (unsorted)");
	if (HG_UNLIKELY(victim->bk->fd != victim ||
			victim->fd != hg_bin_at(av, HG_UNSORTED)))
		hg_corruption("freelist-corruption", hg_chunk2mem(victim),
			      "malloc(): unsorted double linked list corrupted");
	if (HG_UNLIKELY(hg_chunk_prev_inuse(next)))
		hg_corruption("header-corruption", hg_chunk2mem(next),
			      "malloc(): invalid next->prev_inuse (unsorted)");
}

/* The smallest chunk of at least nb in nb's own large bin. */
static struct hg_chunk *largebin_take(struct hg_arena *av, size_t nb)
{
	struct hg_chunk *bin = hg_bin_at(av, hg_largebin_index(nb));
	struct hg_chunk *victim = bin->fd;
	if (victim == bin || hg_chunk_size(victim) < nb)
		return NULL;
	victim = victim->bk_nextsize;
	while (hg_chunk_size(victim) < nb)
		victim = victim->bk_nextsize;
	/* Prefer a follower: taking it leaves the skip list alone. */
	if (victim != bin->bk && hg_chunk_size(victim->fd) == hg_chunk_size(victim))
		victim = victim->fd;
	size_t size = hg_chunk_size(victim);
	hg_unlink_chunk(av, victim);
	return split_and_take(av, victim, size, nb, false);
}

/* The smallest non-empty bin above nb's, found through the binmap. */
static struct hg_chunk *binmap_take(struct hg_arena *av, size_t nb, unsigned idx)
{
	for (unsigned i = idx + 1; i < HG_NBINS;) {
		unsigned block = i >> 5;
		uint32_t map = av->binmap[block] & (~0u << (i & 31));
		if (map == 0) {
			i = (block + 1) << 5;
			continue;
		}
		i = (block << 5) + (unsigned)__builtin_ctz(map);
		struct hg_chunk *bin = hg_bin_at(av, i);
		struct hg_chunk *victim = bin->bk;
		if (victim == bin) {
			hg_binmap_unmark(av, i); /* stale bit: the bin emptied */
			i++;
			continue;
		}
		size_t size = hg_chunk_size(victim);
		hg_unlink_chunk(av, victim);
		return split_and_take(av, victim, size, nb, hg_in_smallbin_range(nb));
	}
	return NULL;
}

/* Sort the unsorted bin, returning an exact fit or the last remainder's split
 * for small requests; exact fits are first stashed in the thread's cache. */
static struct hg_chunk *unsorted_sweep(struct hg_arena *av, size_t nb, bool *stashed)
{
	struct hg_chunk *unsorted = hg_bin_at(av, HG_UNSORTED);
	struct hg_thread *t = &hg_self;
	size_t tidx = hg_tcache_index(nb);
	bool can_stash = tidx < hg_mp.tcache_bins && t->state == HG_THREAD_ACTIVE;
	size_t processed = 0;
	struct hg_chunk *victim;
	for (int iters = 0; (victim = unsorted->bk) != unsorted;) {
		size_t size = hg_chunk_size(victim);
		check_unsorted_victim(av, victim, size);
		struct hg_chunk *bck = victim->bk;
		if (hg_in_smallbin_range(nb) && bck == unsorted && victim == av->last_remainder &&
		    size > nb + HG_MINSIZE) {
			/* Locality: consecutive small requests carve the same chunk. */
			struct hg_chunk *rem = hg_chunk_at(victim, nb);
			size_t rsize = size - nb;
			unsorted->bk = unsorted->fd = rem;
			rem->bk = rem->fd = unsorted;
			if (!hg_in_smallbin_range(rsize))
				rem->fd_nextsize = rem->bk_nextsize = NULL;
			hg_chunk_set_head(victim, nb | HG_PREV_INUSE | HG_INUSE | av->chunk_flags);
			hg_chunk_set_head(rem, rsize | HG_PREV_INUSE | av->chunk_flags);
			hg_chunk_set_foot(rem, rsize);
			av->last_remainder = rem;
			return victim;
		}
		if (HG_UNLIKELY(bck->fd != victim))
			hg_corruption("freelist-corruption", hg_chunk2mem(victim),
				      "malloc(): corrupted unsorted chunks 3");
		unsorted->bk = bck;
		bck->fd = unsorted;
		if (size == nb) {
			hg_chunk_set_prev_inuse(hg_chunk_at(victim, size), 1);
			hg_chunk_set_head(victim, nb | HG_PREV_INUSE | HG_INUSE | av->chunk_flags);
			if (can_stash && t->tcache.counts[tidx] < hg_mp.tcache_count) {
				hg_tcache_put(t, victim, tidx);
				*stashed = true;
				continue;
			}
			return victim;
		}
		bin_insert(av, victim, size);
		if (*stashed && hg_mp.tcache_unsorted_limit > 0 &&
		    ++processed > hg_mp.tcache_unsorted_limit)
			return NULL;
		if (++iters >= HG_UNSORTED_MAX_ITERS)
			break;
	}
	return NULL;
}

struct hg_chunk *hg_int_malloc(struct hg_arena *av, size_t nb)
{
	struct hg_chunk *victim;
	unsigned idx;
	if (nb <= hg_mp.max_fast) {
		unsigned fidx = hg_fastbin_index(nb);
		victim = fastbin_pop(av, fidx);
		if (victim != NULL) {
			hg_chunk_set_allocated(victim, 1);
			stash_fastbin(av, fidx, nb);
			return victim;
		}
	}
	if (hg_in_smallbin_range(nb)) {
		idx = hg_smallbin_index(nb);
		victim = smallbin_take(av, nb);
		if (victim != NULL)
			return victim;
	} else {
		idx = hg_largebin_index(nb);
		if (av->have_fastchunks)
			hg_malloc_consolidate(av);
	}
	for (;;) {
		bool stashed = false;
		victim = unsorted_sweep(av, nb, &stashed);
		if (victim != NULL)
			return victim;
		if (stashed)
			return hg_tcache_get(&hg_self, hg_tcache_index(nb));
		if (!hg_in_smallbin_range(nb) && (victim = largebin_take(av, nb)) != NULL)
			return victim;
		if ((victim = binmap_take(av, nb, idx)) != NULL)
			return victim;
		if ((victim = hg_take_from_top(av, nb)) != NULL)
			return victim;
		if (!av->have_fastchunks)
			return hg_sysmalloc(av, nb);
		/* Freed small chunks may merge into something large enough. */
		hg_malloc_consolidate(av);
	}
}

/* ---- giving a chunk back ---- */

/* Merge p (free, not in any bin) with free neighbours, then file it in the
 * unsorted bin or in top.  Returns the size of the resulting chunk. */
static size_t coalesce(struct hg_arena *av, struct hg_chunk *p, size_t size)
{
	struct hg_chunk *next = hg_chunk_at(p, size);
	size_t nextsize = hg_chunk_size(next);
	if (!hg_chunk_prev_inuse(p)) {
		size_t prevsize = p->prev_size;
		p = hg_chunk_at(p, -prevsize);
		if (HG_UNLIKELY(hg_chunk_size(p) != prevsize))
			hg_corruption("header-corruption", hg_chunk2mem(p),
				      "corrupted size vs. prev_size while consolidating");
		hg_unlink_chunk(av, p);
		size += prevsize;
	}
	if (next != av->top) {
		bool next_free = !hg_chunk_prev_inuse(hg_chunk_at(next, nextsize));
		if (next_free) {
			hg_unlink_chunk(av, next);
			size += nextsize;
		} else {
			hg_chunk_set_prev_inuse(next, 0);
		}
		hg_chunk_set_head(p, size | HG_PREV_INUSE | av->chunk_flags);
		hg_chunk_set_foot(p, size);
		unsorted_insert(av, p, size);
	} else {
		size += nextsize;
		hg_chunk_set_head(p, size | HG_PREV_INUSE | av->chunk_flags);
		av->top = p;
	}
	return size;
}

static void check_next_size(struct hg_arena *av, struct hg_chunk *p, size_t size,
			    const char *glibc_message)
{
	struct hg_chunk *next = hg_chunk_at(p, size);
	size_t ns = hg_chunk_size(next);
	if (HG_UNLIKELY(ns < HG_CHUNK_HDR || ns >= av->system_mem))
		hg_corruption("header-corruption", hg_chunk2mem(p), glibc_message);
}

void hg_int_free(struct hg_arena *av, struct hg_chunk *p, bool have_lock)
{
	size_t size = hg_chunk_size(p);
	hg_perturb_free(hg_chunk2mem(p), size - HG_CHUNK_HDR);
	if (!have_lock)
		hg_arena_lock(av);
	if (size <= hg_mp.max_fast) {
		check_next_size(av, p, size, "free(): invalid next size (fast)");
		struct hg_chunk **fb = &av->fastbins[hg_fastbin_index(size)];
		struct hg_chunk *old = *fb;
		if (HG_UNLIKELY(old == p))
			hg_corruption("double-free", hg_chunk2mem(p),
				      "double free or corruption (fasttop)");
		hg_chunk_set_allocated(p, 0);
		p->fd = hg_link_protect(&p->fd, old);
		*fb = p;
		av->have_fastchunks = true;
		if (!have_lock)
			hg_arena_unlock(av);
		return;
	}
	if (HG_UNLIKELY(p == av->top))
		hg_corruption("invalid-free", hg_chunk2mem(p), "double free or corruption (top)");
	struct hg_chunk *next = hg_chunk_at(p, size);
	if (HG_UNLIKELY(av->contiguous &&
			(char *)next >= (char *)av->top + hg_chunk_size(av->top)))
		hg_corruption("invalid-free", hg_chunk2mem(p), "double free or corruption (out)");
	if (HG_UNLIKELY(!hg_chunk_prev_inuse(next)))
		hg_corruption("double-free", hg_chunk2mem(p), "double free or corruption (!prev)");
	check_next_size(av, p, size, "free(): invalid next size (normal)");
	size = coalesce(av, p, size);
	if (size >= HG_FASTBIN_CONSOLIDATION) {
		if (av->have_fastchunks)
			hg_malloc_consolidate(av);
		if (av == &hg_main_arena) {
			if (hg_chunk_size(av->top) >= hg_mp.trim_threshold)
				hg_systrim(av, hg_mp.top_pad);
		} else {
			hg_heap_trim(hg_heap_of(av->top), hg_mp.top_pad, true);
		}
	}
	if (!have_lock)
		hg_arena_unlock(av);
}

void hg_malloc_consolidate(struct hg_arena *av)
{
	av->have_fastchunks = false;
	for (unsigned i = 0; i < HG_NFASTBINS; i++) {
		struct hg_chunk *p = av->fastbins[i];
		av->fastbins[i] = NULL;
		while (p != NULL) {
			if (HG_UNLIKELY(hg_misaligned(p)))
				hg_corruption("freelist-corruption", p,
					      "malloc_consolidate(): unaligned fastbin chunk detected");
			if (HG_UNLIKELY(hg_fastbin_index(hg_chunk_size(p)) != i))
				hg_corruption("freelist-corruption", hg_chunk2mem(p),
					      "malloc_consolidate(): invalid chunk size");
			struct hg_chunk *next = hg_link_reveal(&p->fd);
			coalesce(av, p, hg_chunk_size(p));
			p = next;
		}
	}
}

/* ---- realloc and memalign ---- */

struct hg_chunk *hg_int_realloc(struct hg_arena *av, struct hg_chunk *oldp, size_t oldsize,
				size_t nb)
{
	struct hg_chunk *next = hg_chunk_at(oldp, oldsize);
	size_t nextsize = hg_chunk_size(next);
	if (HG_UNLIKELY(nextsize < HG_CHUNK_HDR || nextsize >= av->system_mem))
		hg_corruption("header-corruption", hg_chunk2mem(oldp), "realloc(): invalid next size");
	size_t newsize = oldsize;
	if (oldsize < nb) {
		if (next == av->top && oldsize + nextsize >= nb + HG_MINSIZE) {
			/* Grow into top. */
			hg_chunk_set_head(oldp, nb | hg_chunk_flags(oldp));
			struct hg_chunk *rem = hg_chunk_at(oldp, nb);
			hg_chunk_set_head(rem, (oldsize + nextsize - nb) | HG_PREV_INUSE |
						       av->chunk_flags);
			av->top = rem;
			return oldp;
		}
		if (next != av->top && !hg_chunk_prev_inuse(hg_chunk_at(next, nextsize)) &&
		    oldsize + nextsize >= nb) {
			/* Grow into the free chunk that follows. */
			hg_unlink_chunk(av, next);
			newsize = oldsize + nextsize;
		} else {
			struct hg_chunk *newp = hg_int_malloc(av, nb);
			if (newp == NULL)
				return NULL;
			memcpy(hg_chunk2mem(newp), hg_chunk2mem(oldp), oldsize - HG_SIZE_SZ);
			hg_int_free(av, oldp, true);
			return newp;
		}
	}
	/* newsize >= nb: give back a tail of at least MINSIZE. */
	size_t rsize = newsize - nb;
	if (rsize < HG_MINSIZE) {
		hg_chunk_set_size(oldp, newsize);
		hg_chunk_set_prev_inuse(hg_chunk_at(oldp, newsize), 1);
	} else {
		struct hg_chunk *rem = hg_chunk_at(oldp, nb);
		hg_chunk_set_size(oldp, nb);
		hg_chunk_set_head(rem, rsize | HG_PREV_INUSE | HG_INUSE | av->chunk_flags);
		hg_chunk_set_prev_inuse(hg_chunk_at(rem, rsize), 1);
		hg_int_free(av, rem, true);
	}
	return oldp;
}

struct hg_chunk *hg_int_memalign(struct hg_arena *av, size_t alignment, size_t nb)
{
	struct hg_chunk *p = hg_int_malloc(av, nb + alignment + HG_MINSIZE);
	if (p == NULL)
		return NULL;
	uintptr_t mem = (uintptr_t)hg_chunk2mem(p);
	if (mem % alignment != 0) {
		/* Cut a leading chunk of at least MINSIZE and free it. */
		char *aligned = (char *)(((mem + alignment - 1) & -alignment) - HG_CHUNK_HDR);
		if ((size_t)(aligned - (char *)p) < HG_MINSIZE)
			aligned += alignment;
		struct hg_chunk *newp = (struct hg_chunk *)aligned;
		size_t leadsize = (size_t)(aligned - (char *)p);
		size_t newsize = hg_chunk_size(p) - leadsize;
		if (hg_chunk_is_mmapped(p)) {
			newp->prev_size = p->prev_size + leadsize;
			hg_chunk_set_head(newp, newsize | HG_IS_MMAPPED | HG_INUSE);
			return newp;
		}
		hg_chunk_set_head(newp, newsize | HG_PREV_INUSE | HG_INUSE | av->chunk_flags);
		hg_chunk_set_size(p, leadsize);
		hg_int_free(av, p, true);
		p = newp;
	}
	if (!hg_chunk_is_mmapped(p)) {
		size_t size = hg_chunk_size(p);
		if (size > nb + HG_MINSIZE) {
			struct hg_chunk *rem = hg_chunk_at(p, nb);
			hg_chunk_set_head(rem, (size - nb) | HG_PREV_INUSE | HG_INUSE |
						       av->chunk_flags);
			hg_chunk_set_size(p, nb);
			hg_int_free(av, rem, true);
		}
	}
	return p;
}
