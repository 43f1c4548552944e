/* SPDX-License-Identifier: MIT */
/* The allocator's shared state: arenas, bins, heaps, the tcache and the
 * run-time parameters.  Only lib/ includes this; guard/ and report/ see the
 * heap through lib/walk.h and the hooks. */
#ifndef HG_INTERNAL_H
#define HG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/single_threaded.h>

#include "chunk.h"
#include "../base/lock.h"
#include "../base/options.h"
#include "../base/os.h"
#include "region.h"
#include "../base/diag.h"

#define HG_LIKELY(x) __builtin_expect(!!(x), 1)
#define HG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HG_HIDDEN __attribute__((visibility("hidden")))

/* ---- bins (glibc 2.36's geometry on 64-bit) ---- */
#define HG_NBINS 128
#define HG_NSMALLBINS 64
#define HG_MIN_LARGE_SIZE ((size_t)HG_NSMALLBINS * HG_ALIGNMENT) /* 1024 */
#define HG_UNSORTED 1
#define HG_NFASTBINS 10				/* chunk sizes 32..176 */
#define HG_MAX_FAST_REQUEST ((size_t)80 * HG_SIZE_SZ / 4) /* 160, mallopt's limit */
#define HG_FASTBIN_CONSOLIDATION ((size_t)65536)
#define HG_UNSORTED_MAX_ITERS 10000

#define HG_TCACHE_BINS 64			/* chunk sizes 32..1040 */
#define HG_TCACHE_MAX_COUNT 65535
#define HG_TCACHE_MAX_REQUEST ((size_t)1032)	/* largest request a cache bin holds */

#define HG_HEAP_MAX ((size_t)64 << 20)		/* non-main heaps: aligned 64 MiB */
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

static inline size_t hg_tcache_index(size_t sz)
{
	return (sz - HG_MINSIZE + HG_ALIGN_MASK) / HG_ALIGNMENT;
}

/* ---- arenas ---- */
struct hg_arena {
	struct hg_lock lock;			/* guards everything below */
	bool have_fastchunks;			/* some fastbin is non-empty */
	bool contiguous;			/* main arena: brk grows top in place */
	size_t chunk_flags;			/* HG_NON_MAIN_ARENA or 0, in every head */
	struct hg_chunk *fastbins[HG_NFASTBINS];/* heads, links protected */
	struct hg_chunk *top;			/* the wilderness */
	struct hg_chunk *last_remainder;	/* last split of a small request */
	struct hg_chunk *bins[HG_NBINS * 2 - 2];/* fd/bk pairs; see hg_bin_at */
	uint32_t binmap[HG_NBINS / 32];		/* bit set: bin may be non-empty */
	struct hg_chunk initial_top;		/* size 0: top before the first growth */
	size_t system_mem;			/* bytes obtained from the system */
	size_t max_system_mem;
	unsigned index;				/* 0 for the main arena */
	struct hg_arena *next;			/* every arena, circular from main */
	struct hg_arena *next_free;		/* arenas no thread is attached to */
	size_t attached_threads;		/* guarded by hg_arena_list_lock */
};

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

/* glibc's SINGLE_THREAD_P: while the process has one thread nothing else can
 * enter the allocator, so arena locks are skipped.  glibc clears the flag in
 * pthread_create before the new thread exists, never inside malloc, so a
 * lock and its unlock always agree. */
static inline void hg_arena_lock(struct hg_arena *av)
{
	if (!__libc_single_threaded)
		hg_lock_acquire(&av->lock);
}

static inline void hg_arena_unlock(struct hg_arena *av)
{
	if (!__libc_single_threaded)
		hg_lock_release(&av->lock);
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

/* ---- run-time parameters (from options.h, changed by mallopt) ---- */
struct hg_mparams {
	size_t mmap_threshold;
	size_t trim_threshold;
	size_t top_pad;
	size_t max_fast;			/* largest fastbin chunk size */
	int mmap_max;
	bool no_dyn_threshold;			/* a threshold was set explicitly */
	int perturb;				/* MALLOC_PERTURB_ byte, 0 off */
	bool full;				/* level=full: canaries, fill, quarantine */
	unsigned char fill;			/* level=full's free-fill byte, fixed at start */
	bool slow_paths;			/* full, perturb or poll: no inline fast paths */
	bool poll;				/* a report was asked for (hg_poll_request) */
	int hugetlb;
	size_t arena_max;
	size_t arena_test;
	size_t tcache_bins;			/* bins in use (from tcache_max) */
	size_t tcache_count;
	size_t tcache_unsorted_limit;
	/* statistics, updated atomically */
	size_t n_mmaps;
	size_t max_n_mmaps;
	size_t mmapped_mem;
	size_t max_mmapped_mem;
};

extern struct hg_mparams hg_mp HG_HIDDEN;
extern struct hg_config hg_config HG_HIDDEN;
extern struct hg_arena hg_main_arena HG_HIDDEN;
extern struct hg_lock hg_arena_list_lock HG_HIDDEN;
extern bool hg_ready HG_HIDDEN;

/* ---- per-thread state ---- */
struct hg_tcache {
	struct hg_chunk *entries[HG_TCACHE_BINS];	/* heads, links protected */
	uint16_t counts[HG_TCACHE_BINS];
};

enum hg_thread_state { HG_THREAD_NEW = 0, HG_THREAD_ACTIVE, HG_THREAD_GONE };

struct hg_thread {
	struct hg_arena *arena;			/* attached arena, NULL before first use */
	unsigned char state;			/* enum hg_thread_state */
	bool unwinding;				/* inside libunwind: allocations get no stack */
	uint16_t number;			/* 1 = main, then in order of first stack; 0 = not yet */
	uint32_t stack_captures, stack_hits;	/* depot statistics not yet added up */
	/* The program's frame at the malloc-family call in progress (return
	 * address, stack and frame pointers), or entry_ra 0: stack capture
	 * starts there instead of walking heapguard's own frames. */
	uintptr_t entry_ra, entry_sp, entry_bp;
	struct hg_tcache tcache;
};

extern __thread struct hg_thread hg_self __attribute__((tls_model("initial-exec")));

/* ---- entry points between lib/ files ---- */
void hg_init(void);
static inline void hg_ensure_init(void)
{
	if (HG_UNLIKELY(!__atomic_load_n(&hg_ready, __ATOMIC_ACQUIRE)))
		hg_init();
}
void hg_params_apply_one(enum hg_param which);	/* hg_config.params -> hg_mp */
/* Send every malloc and free through its slow path (a signal asked for a
 * report, written there), or stop.  Async-signal-safe. */
void hg_poll_request(bool on);

/* arena.c */
void hg_arena_init(struct hg_arena *av, unsigned index);
struct hg_arena *hg_arena_attach_slow(struct hg_thread *t);
void hg_thread_activate(struct hg_thread *t);
void hg_arena_setup_threads(void);
struct hg_arena *hg_arena_retry(struct hg_arena *failed, size_t nb);
struct hg_arena *hg_arena_of_chunk(const struct hg_chunk *p);
void hg_arena_lock_all(void);
bool hg_arena_try_lock_all(void);
void hg_arena_unlock_all(void);
void hg_arena_fork_prepare(void);
void hg_arena_fork_parent(void);
void hg_arena_fork_child(void);
void hg_thread_shutdown(void *unused);
extern unsigned hg_narenas HG_HIDDEN;

/* An exited thread whose stack glibc may keep mapped in its stack cache:
 * below sp (its exit hook's frame) lie only its dead frames. */
#define HG_DEAD_STACKS_MAX 4096
struct hg_dead_stack {
	uintptr_t self; /* its &hg_self, in its static TLS atop the stack */
	uintptr_t sp;	/* its exit hook's frame */
};
/* Copy the recorded ones; 0 if the set is busy (the caller never waits). */
size_t hg_thread_dead_stacks(struct hg_dead_stack *out, size_t max);

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
void hg_check_top(struct hg_arena *av);
bool hg_free_prev_ok(struct hg_chunk *p);

/* tcache.c; put and get are the fast path, so they live here. */
void hg_tcache_flush(struct hg_thread *t);

/* top.c: growing and trimming.  What a trim gives back is decided here
 * only: malloc_trim does it, the fragmentation report predicts it. */
struct hg_chunk *hg_sysmalloc(struct hg_arena *av, size_t nb);
int hg_systrim(struct hg_arena *av, size_t pad);
/* The whole pages of the free chunk c (size bytes) past its header and
 * links, which malloc_trim purges: their length (0: none), from *start. */
size_t hg_trim_inside(const struct hg_chunk *c, size_t size, uintptr_t *start);
/* The bytes a trim with pad would take off the end of av's top chunk
 * (0: none): whole pages, keeping pad and a minimal chunk.  Main arena:
 * none unless brk grew it in place (contiguous). */
size_t hg_trim_top(struct hg_arena *av, size_t pad);

/* heap.c: the heaps of non-main arenas */
struct hg_heap *hg_heap_new(size_t size, size_t top_pad);
bool hg_heap_grow(struct hg_heap *h, size_t diff);
int hg_heap_trim(struct hg_heap *h, size_t pad, bool on_free);

/* mmap_chunk.c */
struct hg_chunk *hg_mmap_chunk(size_t nb);
void hg_munmap_chunk(struct hg_chunk *p);
void hg_mmap_freed(struct hg_chunk *p);
struct hg_chunk *hg_mremap_chunk(struct hg_chunk *p, size_t nb);

/* base/diag.c reports; the core's own structural checks use this form. */
#define hg_corruption(kind, ptr, glibc_message) \
	hg_report(kind, ptr, NULL, NULL, glibc_message, NULL)

/* api.c's internal implementations */
void *hg_malloc(size_t bytes);
void hg_free(void *mem);

static inline void hg_tcache_put(struct hg_thread *t, struct hg_chunk *p, size_t idx)
{
	hg_chunk_set_allocated(p, 0);
	p->fd = hg_link_protect(&p->fd, t->tcache.entries[idx]);
	t->tcache.entries[idx] = p;
	t->tcache.counts[idx]++;
}

/* Any chunk header of ours that may be trusted: in our heap memory, and
 * its checksum verifies. */
static inline bool hg_chunk_header_ok(const struct hg_chunk *c)
{
	return hg_region_heap_chunk(c) && !hg_chunk_bad_checksum(c, hg_chunk_head(c));
}

bool hg_next_header_ok(const struct hg_chunk *next, const char *op, const char *glibc);

/* A free heap chunk, as a free list may hand out: in our memory, header
 * verifies, no state bit set.  Anything else is a forged or stale link.
 * (The state is tested first, so the checksum needs no branch on M or U.) */
static inline bool hg_free_chunk_ok(const struct hg_chunk *c)
{
	if (hg_misaligned(hg_chunk2mem(c)) ||
	    (!hg_region_heap_chunk_quick(c) && !hg_region_in_other_segments((uintptr_t)c)))
		return false;
	size_t head = hg_chunk_head(c);
	return (head & (HG_STATE_BITS | HG_IS_MMAPPED)) == 0 &&
	       !hg_chunk_bad_heap_checksum(c, head, false);
}

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

struct hg_chunk *hg_tcache_corrupt(struct hg_thread *t, size_t idx);

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

static inline void hg_perturb_alloc(void *mem, size_t n)
{
	if (HG_UNLIKELY(hg_mp.perturb))
		__builtin_memset(mem, hg_mp.perturb ^ 0xff, n);
}

static inline void hg_perturb_free(void *mem, size_t n)
{
	if (HG_UNLIKELY(hg_mp.perturb))
		__builtin_memset(mem, hg_mp.perturb, n);
}

#endif
