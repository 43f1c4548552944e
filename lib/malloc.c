/* SPDX-License-Identifier: MIT */
/* The arena algorithms of ptmalloc2's model: taking a chunk for a request
 * (fastbins, small bins, the unsorted sweep, sorted large bins, the binmap,
 * top), freeing with coalescing, consolidating fastbins, realloc in place and
 * memalign.  Every function here runs with av->lock held. */
#include <string.h>

#include "internal.h"

/* ---- doubly linked bins ---- */

/* A bin that no longer holds together: report once, then empty it.  Its
 * chunks are never handed out again (isolated by being unreachable). */
__attribute__((cold, noinline)) static void bin_corrupt(struct hg_chunk *bin,
							const struct hg_chunk *where,
							enum hg_diag_bin check)
{
	hg_diag_bin_link(hg_chunk2mem(where), "malloc", check);
	bin->fd = bin->bk = bin;
}

__attribute__((cold, noinline)) static bool unlink_bad_header(struct hg_chunk *p)
{
	hg_diag_unlink_header(hg_chunk2mem(p));
	return false;
}

static bool unlink_verified(struct hg_arena *av, struct hg_chunk *p);

/* Take a free chunk off its doubly linked list after verifying it and its
 * neighbours (safe unlinking, plus checksums, so forged links are refused).
 * Returns false, changing nothing, when they do not hold up. */
bool hg_unlink_chunk(struct hg_arena *av, struct hg_chunk *p)
{
	if (HG_UNLIKELY(!hg_free_chunk_ok(p)))
		return unlink_bad_header(p);
	return unlink_verified(av, p);
}

/* hg_unlink_chunk for a chunk whose header the caller verified (region and
 * checksum) moments ago: only its state is left to check. */
static bool unlink_header_checked(struct hg_arena *av, struct hg_chunk *p)
{
	if (HG_UNLIKELY((hg_chunk_head(p) & (HG_STATE_BITS | HG_IS_MMAPPED)) != 0))
		return unlink_bad_header(p);
	return unlink_verified(av, p);
}

/* hg_unlink_chunk for a chunk the caller has just found hg_free_chunk_ok. */
static bool unlink_verified(struct hg_arena *av, struct hg_chunk *p)
{
	size_t size = hg_chunk_size(p);
	if (HG_UNLIKELY(hg_chunk_next(p)->prev_size != size)) {
		hg_diag_unlink_prev_size(hg_chunk2mem(p), p, hg_chunk_next(p)->prev_size, size);
		return false;
	}
	struct hg_chunk *fd = p->fd, *bk = p->bk;
	if (HG_UNLIKELY(!hg_link_ok(av, fd) || (bk != fd && !hg_link_ok(av, bk)) || fd->bk != p ||
			bk->fd != p)) {
		hg_diag_unlink_links(hg_chunk2mem(p), p, fd, bk);
		return false;
	}
	bool leader = !hg_in_smallbin_range(size) && p->fd_nextsize != NULL;
	if (leader && HG_UNLIKELY(!hg_link_ok(av, p->fd_nextsize) || !hg_link_ok(av, p->bk_nextsize) ||
				  p->fd_nextsize->bk_nextsize != p ||
				  p->bk_nextsize->fd_nextsize != p)) {
		hg_diag_unlink_nextsize(hg_chunk2mem(p), p, p->fd_nextsize, p->bk_nextsize);
		return false;
	}
	fd->bk = bk;
	bk->fd = fd;
	if (!leader)
		return true;
	/* p leads its size group in a large bin's skip list. */
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
	return true;
}

/* New free chunks enter at the head of the unsorted bin. */
static void unsorted_insert(struct hg_arena *av, struct hg_chunk *p, size_t size)
{
	struct hg_chunk *bck = hg_bin_at(av, HG_UNSORTED);
	struct hg_chunk *fwd = bck->fd;
	if (HG_UNLIKELY(!hg_link_ok(av, fwd) || fwd->bk != bck))
		bin_corrupt(bck, fwd, HG_DIAG_UNSORTED_HEAD);
	fwd = bck->fd;
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
		if (HG_UNLIKELY(!hg_link_ok(av, fwd) || fwd->bk != bck)) {
			bin_corrupt(bck, fwd, HG_DIAG_SMALL_HEAD);
			fwd = bck;
		}
	} else {
		idx = hg_largebin_index(size);
		bck = hg_bin_at(av, idx);
		fwd = bck->fd;
		if (fwd == bck) {
			victim->fd_nextsize = victim->bk_nextsize = victim;
		} else if (HG_UNLIKELY(!hg_free_chunk_ok(fwd) ||
				       (bck->bk != fwd && !hg_free_chunk_ok(bck->bk)) ||
				       (fwd->bk_nextsize != fwd && !hg_link_ok(av, fwd->bk_nextsize)) ||
				       fwd->bk_nextsize->fd_nextsize != fwd)) {
			/* The links this insert would write through are forged
			 * (large bin attack): drop the bin, file victim alone. */
			bin_corrupt(bck, fwd, HG_DIAG_LARGE_SIZES);
			victim->fd_nextsize = victim->bk_nextsize = victim;
			fwd = bck;
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
			/* Walk the size leaders, verifying each before reading it
			 * (the first, the bin's largest, was verified above). */
			unsigned long steps = 0;
			bool ok;
			for (;;) {
				if (size >= hg_chunk_size(fwd)) {
					ok = true;
					break;
				}
				fwd = fwd->fd_nextsize;
				if (++steps >= (1ul << 20) || !hg_free_chunk_ok(fwd)) {
					ok = false;
					break;
				}
			}
			if (ok && size == hg_chunk_size(fwd)) {
				/* Join the group behind its leader; the skip list is unchanged. */
				victim->fd_nextsize = victim->bk_nextsize = NULL;
				fwd = fwd->fd;
				ok = hg_link_ok(av, fwd);
			} else if (ok) {
				ok = hg_link_ok(av, fwd->bk_nextsize) &&
				     fwd->bk_nextsize->fd_nextsize == fwd;
				if (ok) {
					victim->fd_nextsize = fwd;
					victim->bk_nextsize = fwd->bk_nextsize;
					fwd->bk_nextsize = victim;
					victim->bk_nextsize->fd_nextsize = victim;
				}
			}
			if (ok) {
				bck = fwd->bk;
				ok = hg_link_ok(av, bck) && bck->fd == fwd;
			}
			if (HG_UNLIKELY(!ok)) {
				/* The bin does not hold together: drop it, file victim
				 * alone.  (A half-made skip-list link into victim is
				 * harmless: the old list is unreachable now.) */
				bck = hg_bin_at(av, idx);
				bin_corrupt(bck, fwd, HG_DIAG_LARGE_LINKS);
				victim->fd_nextsize = victim->bk_nextsize = victim;
				fwd = bck;
			}
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

/* Where top must end: the end of its segment or heap. */
static uintptr_t top_end(struct hg_arena *av)
{
	uintptr_t top = (uintptr_t)av->top;
	if (av != &hg_main_arena) {
		uintptr_t heap = top & ~(HG_HEAP_MAX - 1);
		return heap + hg_region_heap_size(heap);
	}
	if (top >= hg_region_first.lo && top < hg_region_first.hi)
		return hg_region_first.hi;
	const struct hg_segment *seg;
	unsigned n = hg_region_other_segments(&seg);
	for (unsigned i = 0; i < n; i++)
		if (top >= seg[i].lo && top < seg[i].hi)
			return seg[i].hi;
	return top + hg_chunk_size(av->top); /* untracked: trust it */
}

/* Top's header must verify and its size reach exactly the end of its
 * memory: a forged size (house of force) would hand out memory that is not
 * the heap's.  On failure the size is repaired from the real extent. */
void hg_check_top(struct hg_arena *av, const char *op)
{
	struct hg_chunk *top = av->top;
	size_t head = hg_chunk_head(top);
	uintptr_t end = top_end(av);
	if (HG_LIKELY(!hg_chunk_bad_checksum(top, head) &&
		      (uintptr_t)top + (head & HG_SIZE_MASK) == end))
		return;
	hg_diag_top_size(hg_chunk2mem(top), op, head & HG_SIZE_MASK,
			 !hg_chunk_bad_checksum(top, head), (size_t)(end - (uintptr_t)top));
	hg_chunk_set_head(top, (end - (uintptr_t)top) | HG_PREV_INUSE | av->chunk_flags);
}

struct hg_chunk *hg_take_from_top(struct hg_arena *av, size_t nb)
{
	struct hg_chunk *victim = av->top;
	if (victim == &av->initial_top)
		return NULL;
	hg_check_top(av, "malloc");
	size_t size = hg_chunk_size(victim);
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
	if (HG_UNLIKELY(!hg_free_chunk_ok(victim) ||
			hg_fastbin_index(hg_chunk_size(victim)) != idx)) {
		hg_diag_fastbin_entry(hg_chunk2mem(victim), "malloc", hg_fastbin_size(idx), victim, false);
		*fb = NULL; /* drop the list: nothing after a bad link can be trusted */
		return NULL;
	}
	struct hg_chunk *next = hg_link_reveal(&victim->fd);
	if (HG_UNLIKELY(hg_misaligned(next))) {
		hg_diag_fastbin_next(hg_chunk2mem(victim), victim, "malloc", next, false);
		*fb = NULL;
		return NULL;
	}
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
	/* Each chunk here is the back link the step before verified with
	 * hg_link_ok (smallbin_take's check, then this loop's), and nothing
	 * has written its header since: it is a free chunk of ours unless it
	 * is some bin's header. */
	struct hg_chunk *c;
	while (t->tcache.counts[tidx] < hg_mp.tcache_count && (c = bin->bk) != bin) {
		struct hg_chunk *bck = c->bk;
		if (HG_UNLIKELY(hg_is_bin_header(av, c) || hg_chunk_size(c) != nb ||
				!hg_link_ok(av, bck) || bck->fd != c)) {
			bin_corrupt(bin, c, HG_DIAG_SMALL_TAIL);
			return;
		}
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
	if (HG_UNLIKELY(!hg_free_chunk_ok(victim) || hg_chunk_size(victim) != nb ||
			!hg_link_ok(av, bck) || bck->fd != victim)) {
		bin_corrupt(bin, victim, HG_DIAG_SMALL_TAIL);
		return NULL;
	}
	hg_chunk_set_prev_inuse(hg_chunk_at(victim, nb), 1);
	hg_chunk_set_head(victim, nb | HG_PREV_INUSE | HG_INUSE | av->chunk_flags);
	bin->bk = bck;
	bck->fd = bin;
	stash_smallbin(av, bin, nb);
	return victim;
}

/* The oldest chunk of the unsorted bin, before it is sorted: the check it
 * fails, HG_DIAG_BIN_COUNT if none.  `checked`: it is the back link the
 * previous call verified with hg_link_ok (a bin header or a free chunk
 * whose header verifies), and nothing has written its header since, so only
 * "not a bin header" is left to establish. */
static enum hg_diag_bin unsorted_victim_check(struct hg_arena *av, struct hg_chunk *victim,
					      bool checked)
{
	if (checked ? hg_is_bin_header(av, victim) : !hg_free_chunk_ok(victim))
		return HG_DIAG_UNSORTED_SIZE;
	size_t size = hg_chunk_size(victim);
	struct hg_chunk *next = hg_chunk_at(victim, size);
	if (size <= HG_CHUNK_HDR || size > av->system_mem)
		return HG_DIAG_UNSORTED_SIZE;
	if (!hg_region_heap_chunk(next))
		return HG_DIAG_UNSORTED_NEXT_SIZE;
	if (next->prev_size != size)
		return HG_DIAG_UNSORTED_PREV_SIZE;
	if (!hg_link_ok(av, victim->bk) || victim->bk->fd != victim ||
	    victim->fd != hg_bin_at(av, HG_UNSORTED))
		return HG_DIAG_UNSORTED_LINKS;
	if (hg_chunk_prev_inuse(next))
		return HG_DIAG_UNSORTED_PREV_INUSE;
	return HG_DIAG_BIN_COUNT;
}

static bool unsorted_victim_ok(struct hg_arena *av, struct hg_chunk *victim, bool checked)
{
	enum hg_diag_bin bad = unsorted_victim_check(av, victim, checked);
	if (HG_LIKELY(bad == HG_DIAG_BIN_COUNT))
		return true;
	bin_corrupt(hg_bin_at(av, HG_UNSORTED), victim, bad);
	return false;
}

/* The smallest chunk of at least nb in nb's own large bin. */
static struct hg_chunk *largebin_take(struct hg_arena *av, size_t nb)
{
	struct hg_chunk *bin = hg_bin_at(av, hg_largebin_index(nb));
	struct hg_chunk *victim = bin->fd;
	if (victim == bin)
		return NULL;
	if (!hg_free_chunk_ok(victim)) {
		bin_corrupt(bin, victim, HG_DIAG_LARGE_FIRST);
		return NULL;
	}
	if (hg_chunk_size(victim) < nb)
		return NULL;
	victim = victim->bk_nextsize;
	for (;;) {
		if (!hg_free_chunk_ok(victim)) {
			bin_corrupt(bin, victim, HG_DIAG_LARGE_SIZE_WALK);
			return NULL;
		}
		if (hg_chunk_size(victim) >= nb)
			break;
		victim = victim->bk_nextsize;
	}
	/* Prefer a follower: taking it leaves the skip list alone. */
	if (victim != bin->bk && hg_free_chunk_ok(victim->fd) &&
	    hg_chunk_size(victim->fd) == hg_chunk_size(victim))
		victim = victim->fd;
	size_t size = hg_chunk_size(victim);
	if (!unlink_verified(av, victim)) { /* verified just above */
		bin->fd = bin->bk = bin;
		return NULL;
	}
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
		if (!hg_unlink_chunk(av, victim)) {
			bin->fd = bin->bk = bin;
			hg_binmap_unmark(av, i);
			i++;
			continue;
		}
		size_t size = hg_chunk_size(victim);
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
	struct hg_chunk *checked = NULL; /* the back link the last victim check verified */
	for (int iters = 0; (victim = unsorted->bk) != unsorted;) {
		if (!unsorted_victim_ok(av, victim, victim == checked))
			break;
		checked = victim->bk;
		size_t size = hg_chunk_size(victim);
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
		if (stashed && (victim = hg_tcache_get(&hg_self, hg_tcache_index(nb))) != NULL)
			return victim;
		if (!hg_in_smallbin_range(nb) && (victim = largebin_take(av, nb)) != NULL)
			return victim;
		if ((victim = binmap_take(av, nb, idx)) != NULL)
			return victim;
		/* glibc maps a request at or above the mmap threshold unless
		 * its top, padded by 128 KiB, has room; level=full's larger
		 * growth step would leave room for most of them in top. */
		if (HG_UNLIKELY(hg_mp.top_pad_raised) && nb >= hg_mp.mmap_threshold &&
		    (victim = hg_mmap_chunk(nb)) != NULL)
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

static bool coalesce_backward_ok(struct hg_chunk *p, struct hg_chunk *prev, size_t prevsize)
{
	if (prevsize >= HG_MINSIZE && (prevsize & HG_ALIGN_MASK) == 0 && prevsize < (uintptr_t)p &&
	    hg_free_chunk_ok(prev) && hg_chunk_size(prev) == prevsize)
		return true;
	hg_diag_prev_size(hg_chunk2mem(p), p, "free", prevsize, prev);
	return false;
}

/* The chunk after one being freed or reallocated: its header must verify
 * before its size or flags are trusted.  Reported when it does not. */
bool hg_next_header_ok(const struct hg_chunk *next, const char *op, bool fast)
{
	if (HG_LIKELY(hg_chunk_header_ok(next)))
		return true;
	hg_diag_next_header(hg_chunk2mem(next), op, next, fast);
	return false;
}

/* A chunk about to be freed claims its predecessor is free (P clear): that
 * chunk must exist, verify and be free (house of einherjar, poison null
 * byte).  Reported; false when it does not hold. */
bool hg_free_prev_ok(struct hg_chunk *p)
{
	if (hg_chunk_prev_inuse(p))
		return true;
	size_t prevsize = p->prev_size;
	return coalesce_backward_ok(p, hg_chunk_at(p, -prevsize), prevsize);
}

/* Merge p (free, not in any bin) with free neighbours, then file it in the
 * unsorted bin or in top.  Every header it relies on is verified first; a
 * neighbour that fails is reported and left alone, and p is isolated
 * (never reused).  Returns the merged size, 0 if p was isolated. */
static size_t coalesce(struct hg_arena *av, struct hg_chunk *p, size_t size)
{
	struct hg_chunk *next = hg_chunk_at(p, size);
	if (HG_UNLIKELY(!hg_next_header_ok(next, "free", false))) {
		hg_chunk_set_state(p, 0, HG_INUSE | HG_ISOLATED);
		return 0;
	}
	size_t nextsize = hg_chunk_size(next);
	if (!hg_chunk_prev_inuse(p)) {
		size_t prevsize = p->prev_size;
		struct hg_chunk *prev = hg_chunk_at(p, -prevsize);
		if (coalesce_backward_ok(p, prev, prevsize) && unlink_verified(av, prev)) {
			/* p's header is now inside prev: leave no sealed header
			 * there that a fork child's note of its blocks (hg_own_log)
			 * could take for a live block. */
			p->head = 0;
			p = prev;
			size += prevsize;
		} else {
			hg_chunk_set_state(p, 0, HG_INUSE | HG_ISOLATED);
			return 0;
		}
	}
	if (next != av->top) {
		struct hg_chunk *after = hg_chunk_at(next, nextsize);
		bool next_free = hg_region_heap_chunk(after) && !hg_chunk_prev_inuse(after);
		if (next_free && unlink_header_checked(av, next))
			size += nextsize;
		else
			hg_chunk_set_prev_inuse(next, 0);
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

void hg_int_free(struct hg_arena *av, struct hg_chunk *p, bool have_lock)
{
	size_t size = hg_chunk_size(p);
	hg_perturb_free(hg_chunk2mem(p), size - HG_CHUNK_HDR);
	if (!have_lock)
		hg_arena_lock(av);
	if (size <= hg_mp.max_fast) {
		if (HG_UNLIKELY(!hg_next_header_ok(hg_chunk_at(p, size), "free", true))) {
			hg_chunk_set_state(p, 0, HG_INUSE | HG_ISOLATED);
			if (!have_lock)
				hg_arena_unlock(av);
			return;
		}
		struct hg_chunk **fb = &av->fastbins[hg_fastbin_index(size)];
		struct hg_chunk *old = *fb;
		if (HG_UNLIKELY(old == p))
			hg_diag_fastbin_double_free(hg_chunk2mem(p));
		hg_chunk_set_allocated(p, 0);
		p->fd = hg_link_protect(&p->fd, old);
		*fb = p;
		av->have_fastchunks = true;
		if (!have_lock)
			hg_arena_unlock(av);
		return;
	}
	if (HG_UNLIKELY(p == av->top))
		hg_diag_free_top(hg_chunk2mem(p));
	struct hg_chunk *next = hg_chunk_at(p, size);
	if (HG_UNLIKELY(av->contiguous &&
			(char *)next >= (char *)av->top + hg_chunk_size(av->top)))
		hg_diag_free_past_top(hg_chunk2mem(p));
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
			/* Each link is verified before what it points to is read;
			 * the rest of a list past a bad link is dropped. */
			if (HG_UNLIKELY(!hg_free_chunk_ok(p) ||
					hg_fastbin_index(hg_chunk_size(p)) != i)) {
				hg_diag_fastbin_entry(hg_chunk2mem(p), "malloc", hg_fastbin_size(i), p,
						      true);
				break;
			}
			struct hg_chunk *next = hg_link_reveal(&p->fd);
			if (HG_UNLIKELY(hg_misaligned(next))) {
				hg_diag_fastbin_next(hg_chunk2mem(p), p, "malloc", next, true);
				next = NULL;
			}
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
	if (HG_UNLIKELY(!hg_next_header_ok(next, "realloc", false)))
		return NULL;
	size_t nextsize = hg_chunk_size(next);
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
		struct hg_chunk *after = hg_chunk_at(next, nextsize);
		if (next != av->top && hg_region_heap_chunk(after) && !hg_chunk_prev_inuse(after) &&
		    oldsize + nextsize >= nb && unlink_header_checked(av, next)) {
			/* Grow into the free chunk that follows. */
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
			hg_region_mmap_remove(p);
			hg_region_mmap_add(newp);
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

/* ---- entry points for preload/ (see lib.h) ---- */

struct hg_chunk *hg_chunk_alloc_slow(size_t nb)
{
	hg_ensure_init();
	struct hg_thread *t = &hg_self;
	size_t tidx = hg_tcache_index(nb);
	struct hg_chunk *p;
	if (tidx < hg_mp.tcache_bins && t->tcache.entries[tidx] != NULL &&
	    (p = hg_tcache_get(t, tidx)) != NULL)
		return p;
	return hg_chunk_alloc_arena(nb);
}

struct hg_chunk *hg_chunk_alloc_arena(size_t nb)
{
	hg_ensure_init();
	struct hg_arena *av = hg_arena_get(&hg_self);
	if (HG_UNLIKELY(av == NULL))
		return NULL;
	hg_arena_lock(av);
	struct hg_chunk *p = hg_int_malloc(av, nb);
	hg_arena_unlock(av);
	if (p == NULL && (av = hg_arena_retry(av, nb)) != NULL) {
		hg_arena_lock(av);
		p = hg_int_malloc(av, nb);
		hg_arena_unlock(av);
	}
	return p;
}

struct hg_chunk *hg_chunk_memalign(size_t alignment, size_t nb)
{
	struct hg_arena *av = hg_arena_get(&hg_self);
	if (HG_UNLIKELY(av == NULL))
		return NULL;
	hg_arena_lock(av);
	struct hg_chunk *p = hg_int_memalign(av, alignment, nb);
	hg_arena_unlock(av);
	if (p == NULL && (av = hg_arena_retry(av, nb + alignment)) != NULL) {
		hg_arena_lock(av);
		p = hg_int_memalign(av, alignment, nb);
		hg_arena_unlock(av);
	}
	return p;
}

struct hg_chunk *hg_chunk_resize(struct hg_chunk *oldp, size_t nb)
{
	struct hg_arena *av = hg_arena_of_chunk(oldp);
	hg_arena_lock(av);
	struct hg_chunk *newp = hg_int_realloc(av, oldp, hg_chunk_size(oldp), nb);
	hg_arena_unlock(av);
	return newp;
}

void hg_chunk_free_to_arena(struct hg_chunk *p)
{
	hg_int_free(hg_arena_of_chunk(p), p, false);
}
