/* SPDX-License-Identifier: MIT */
/* lib/'s own: bin geometry, the heaps of non-main arenas, the arena
 * algorithms and the thread cache's list operations.  Only lib/ includes
 * this (tests/layers checks it); the layers above use lib/lib.h. */
#ifndef HG_INTERNAL_H
#define HG_INTERNAL_H

#include "lib.h"
#include "tcache.h"

/* ---- bins (glibc 2.36's geometry on 64-bit; counts in lib.h) ---- */
#define HG_MAX_FAST_REQUEST ((size_t)80 * HG_SIZE_SZ / 4) /* 160, mallopt's limit */
#define HG_FASTBIN_CONSOLIDATION ((size_t)65536)
#define HG_UNSORTED_MAX_ITERS 10000


#define HG_HEAP_MIN ((size_t)32 << 10)
#define HG_MMAP_THRESHOLD_MAX ((size_t)32 << 20) /* dynamic threshold ceiling */
#define HG_MMAP_AS_MORECORE ((size_t)1 << 20)	/* brk failed: grow by mmap */

static inline int hg_in_smallbin_range(size_t sz)
{
	return sz < HG_MIN_LARGE_SIZE;
}

static inline unsigned hg_smallbin_index(size_t sz)
{
	return (unsigned)(sz >> 4);
}

/* Large bins get coarser with size: 32 bins 64 B apart, then 16 of 512 B,
 * 8 of 4 KiB, 4 of 32 KiB, 2 of 256 KiB, and one for the rest (glibc's
 * largebin_index_64). */
static inline unsigned hg_largebin_index(size_t sz)
{
	if ((sz >> 6) <= 48)
		return 48 + (unsigned)(sz >> 6);
	if ((sz >> 9) <= 20)
		return 91 + (unsigned)(sz >> 9);
	if ((sz >> 12) <= 10)
		return 110 + (unsigned)(sz >> 12);
	if ((sz >> 15) <= 4)
		return 119 + (unsigned)(sz >> 15);
	if ((sz >> 18) <= 2)
		return 124 + (unsigned)(sz >> 18);
	return 126;
}

static inline unsigned hg_bin_index(size_t sz)
{
	return hg_in_smallbin_range(sz) ? hg_smallbin_index(sz) : hg_largebin_index(sz);
}

static inline unsigned hg_fastbin_index(size_t sz)
{
	return (unsigned)(sz >> 4) - 2;
}

/* The chunk size fastbin idx holds. */
static inline size_t hg_fastbin_size(unsigned idx)
{
	return ((size_t)idx + 2) << 4;
}

/* A bin header is a fake chunk whose fd/bk are the pair bins[2i-2..2i-1]. */
static inline struct hg_chunk *hg_bin_at(struct hg_arena *av, unsigned i)
{
	return (struct hg_chunk *)((char *)&av->bins[(i - 1) * 2] -
				   offsetof(struct hg_chunk, fd));
}

static inline void hg_binmap_mark(struct hg_arena *av, unsigned i)
{
	av->binmap[i >> 5] |= 1u << (i & 31);
}

static inline void hg_binmap_unmark(struct hg_arena *av, unsigned i)
{
	av->binmap[i >> 5] &= ~(1u << (i & 31));
}

/* A heap of a non-main arena: HG_HEAP_MAX-aligned, so a chunk finds its heap
 * (and its arena) by masking its address. */
struct hg_heap {
	struct hg_arena *arena;
	struct hg_heap *prev;			/* previous heap of the same arena */
	size_t size;				/* bytes in use (read-write) */
	size_t mprotect_size;			/* bytes ever made read-write */
};
_Static_assert(sizeof(struct hg_heap) % HG_ALIGNMENT == 0, "chunks follow the heap header");
_Static_assert(offsetof(struct hg_heap, size) == 2 * sizeof(size_t),
	       "region.h reads a heap's size as its third word");

static inline struct hg_heap *hg_heap_of(const void *p)
{
	return (struct hg_heap *)((uintptr_t)p & ~(HG_HEAP_MAX - 1));
}

static inline struct hg_chunk *hg_heap_first_chunk(struct hg_heap *h)
{
	return (struct hg_chunk *)((char *)h + sizeof(struct hg_heap));
}

/* arena.c */
void hg_arena_init(struct hg_arena *av, unsigned index);
struct hg_arena *hg_arena_attach_slow(struct hg_thread *t);
void hg_arena_setup_threads(void);
struct hg_arena *hg_arena_retry(struct hg_arena *failed, size_t nb);
void hg_thread_shutdown(void *unused);
extern unsigned hg_narenas HG_HIDDEN;

static inline struct hg_arena *hg_arena_get(struct hg_thread *t)
{
	return HG_LIKELY(t->arena != NULL) ? t->arena : hg_arena_attach_slow(t);
}

/* malloc.c: the arena algorithms; caller holds av->lock */
struct hg_chunk *hg_int_malloc(struct hg_arena *av, size_t nb);
void hg_int_free(struct hg_arena *av, struct hg_chunk *p, bool have_lock);
struct hg_chunk *hg_int_realloc(struct hg_arena *av, struct hg_chunk *oldp, size_t oldsize,
				size_t nb);
struct hg_chunk *hg_int_memalign(struct hg_arena *av, size_t alignment, size_t nb);
void hg_malloc_consolidate(struct hg_arena *av);
bool hg_unlink_chunk(struct hg_arena *av, struct hg_chunk *p);
struct hg_chunk *hg_take_from_top(struct hg_arena *av, size_t nb);

void hg_tcache_flush(struct hg_thread *t);

/* top.c: growing and trimming.  What a trim gives back is decided here
 * only: malloc_trim does it, the fragmentation report predicts it. */
struct hg_chunk *hg_sysmalloc(struct hg_arena *av, size_t nb);
int hg_systrim(struct hg_arena *av, size_t pad);

/* heap.c: the heaps of non-main arenas */
struct hg_heap *hg_heap_new(size_t size, size_t top_pad);
bool hg_heap_grow(struct hg_heap *h, size_t diff);
int hg_heap_trim(struct hg_heap *h, size_t pad, bool on_free);

/* mmap_chunk.c */
struct hg_chunk *hg_mmap_chunk(size_t nb);

/* c is in the address range of av's bin headers. */
static inline bool hg_in_bin_headers(struct hg_arena *av, const struct hg_chunk *c)
{
	uintptr_t first = (uintptr_t)hg_bin_at(av, 1), last = (uintptr_t)hg_bin_at(av, HG_NBINS - 1);
	return (uintptr_t)c - first <= last - first;
}

static inline bool hg_is_bin_header(struct hg_arena *av, const struct hg_chunk *c)
{
	return hg_in_bin_headers(av, c) &&
	       ((uintptr_t)c - (uintptr_t)hg_bin_at(av, 1)) % (2 * sizeof(void *)) == 0;
}

/* A link as a bin may hold it: one of av's bin headers, or a free chunk of
 * ours whose header verifies. */
static inline bool hg_link_ok(struct hg_arena *av, const struct hg_chunk *c)
{
	if (hg_in_bin_headers(av, c))
		return hg_is_bin_header(av, c);
	return hg_free_chunk_ok(c);
}

#endif
