/* SPDX-License-Identifier: MIT */
/* heapguard_check_heap(): every arena locked, every chunk's header, every
 * live chunk's canary (level=full), every quarantined chunk's fill, every
 * free list of every arena and of the calling thread's cache.  Also run at
 * exit.  Reports each error found; returns how many. */
#include "../include/heapguard.h"
#include "../lib/internal.h"
#include "../lib/walk.h"
#include "guard.h"
#include "quarantine.h"

#define HG_EXPORT __attribute__((visibility("default")))
#define HG_LIST_STEPS_MAX 10000000 /* a longer list is a loop */

static bool visit_chunk(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	(void)ctx;
	size_t head = hg_chunk_head(c);
	if (c == av->top || (head & HG_SIZE_MASK) <= HG_CHUNK_HDR)
		return true; /* top is checked on its own; fenceposts carry nothing */
	if ((head & HG_STATE_BITS) == HG_INUSE && hg_mp.full)
		hg_guard_canary_ok(c, "heapguard_check_heap");
	return true;
}

static void broken_chunk(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	(void)av;
	(void)ctx;
	hg_report(HG_ERR_HEADER_CORRUPTION, hg_chunk2mem(c), NULL, "heapguard_check_heap",
		  "malloc(): invalid size (unsorted)",
		  "walking the heap: the chunk header at %p does not verify (reads 0x%zx)", (void *)c,
		  c->head);
}

static void check_fastbins(struct hg_arena *av)
{
	for (unsigned i = 0; i < HG_NFASTBINS; i++) {
		struct hg_chunk *c = av->fastbins[i];
		for (unsigned long n = 0; c != NULL && n < HG_LIST_STEPS_MAX; n++) {
			if (!hg_free_chunk_ok(c) || hg_fastbin_index(hg_chunk_size(c)) != i) {
				hg_report(HG_ERR_FREELIST_CORRUPTION, hg_chunk2mem(c), NULL,
					  "heapguard_check_heap", "malloc(): memory corruption (fast)",
					  "the fastbin for %u-byte chunks leads to %p, which is not a free chunk of that size",
					  (i + 2) * 16, (void *)c);
				break;
			}
			struct hg_chunk *next = hg_link_reveal(&c->fd);
			if (hg_misaligned(next)) {
				hg_report(HG_ERR_FREELIST_CORRUPTION, hg_chunk2mem(c), c,
					  "heapguard_check_heap",
					  "malloc(): unaligned fastbin chunk detected",
					  "a fastbin chunk's next pointer was overwritten (decodes to %p)",
					  (void *)next);
				break;
			}
			c = next;
		}
	}
}

static void check_bins(struct hg_arena *av)
{
	for (unsigned i = 1; i < HG_NBINS; i++) {
		struct hg_chunk *bin = hg_bin_at(av, i);
		struct hg_chunk *prev = bin;
		struct hg_chunk *c = bin->fd;
		for (unsigned long n = 0; c != bin && n < HG_LIST_STEPS_MAX; n++) {
			if (!hg_free_chunk_ok(c) || c->bk != prev) {
				hg_report(HG_ERR_FREELIST_CORRUPTION, hg_chunk2mem(c), NULL,
					  "heapguard_check_heap", "corrupted double-linked list",
					  "bin %u leads to %p, which is not a free chunk linked back to its predecessor",
					  i, (void *)c);
				break;
			}
			prev = c;
			c = c->fd;
		}
	}
}

static void check_tcache(struct hg_thread *t)
{
	for (size_t i = 0; i < hg_mp.tcache_bins && i < HG_TCACHE_BINS; i++) {
		struct hg_chunk *c = t->tcache.entries[i];
		for (unsigned n = 0; c != NULL && n <= t->tcache.counts[i]; n++) {
			if (!hg_free_chunk_ok(c) || hg_tcache_index(hg_chunk_size(c)) != i) {
				hg_tcache_corrupt(t, i);
				break;
			}
			struct hg_chunk *next = hg_link_reveal(&c->fd);
			if (hg_misaligned(next)) {
				t->tcache.entries[i] = c;
				hg_tcache_corrupt(t, i);
				break;
			}
			c = next;
		}
	}
}

static void check_quarantined(struct hg_chunk *c, void *ctx)
{
	(void)ctx;
	hg_guard_fill_ok(c, "heapguard_check_heap");
}

static void check_mmapped(struct hg_chunk *c)
{
	size_t head = hg_chunk_head(c);
	if (hg_chunk_bad_checksum(c, head))
		hg_report(HG_ERR_MMAP_CORRUPTION, hg_chunk2mem(c), NULL, "heapguard_check_heap",
			  "munmap_chunk(): invalid pointer",
			  "the header of a block mmap'd on its own was overwritten (reads 0x%zx)", head);
	else if ((head & HG_STATE_BITS) == HG_INUSE && hg_mp.full)
		hg_guard_canary_ok(c, "heapguard_check_heap");
}

/* at_exit: never wait for a lock (see hg_arena_try_lock_all). */
int hg_guard_check_heap(bool at_exit)
{
	unsigned long before = __atomic_load_n(&hg_errors_reported, __ATOMIC_RELAXED);
	hg_quarantine_each(check_quarantined, NULL);
	hg_region_mmap_each(check_mmapped);
	check_tcache(&hg_self);
	if (!at_exit)
		hg_arena_lock_all();
	else if (!hg_arena_try_lock_all())
		return (int)(__atomic_load_n(&hg_errors_reported, __ATOMIC_RELAXED) - before);
	hg_walk_heap(visit_chunk, broken_chunk, NULL);
	struct hg_arena *av = &hg_main_arena;
	do {
		if (av->top != &av->initial_top)
			hg_check_top(av);
		check_fastbins(av);
		check_bins(av);
		av = av->next;
	} while (av != &hg_main_arena);
	hg_arena_unlock_all();
	return (int)(__atomic_load_n(&hg_errors_reported, __ATOMIC_RELAXED) - before);
}

HG_EXPORT int heapguard_check_heap(void)
{
	hg_ensure_init();
	return hg_guard_check_heap(false);
}
