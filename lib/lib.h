/* SPDX-License-Identifier: MIT */
/* lib/'s interface to the layers above it (stack/, guard/, report/,
 * preload/): the arenas and threads as they may read them, the run-time
 * parameters, the allocation entry points preload/ composes with guard/,
 * and the checks of chunks and links.  lib/internal.h is for lib/ alone. */
#ifndef HG_LIB_H
#define HG_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <malloc.h>
#include <sys/single_threaded.h>

#include "../base/compiler.h"
#include "../base/diag.h"
#include "../base/lock.h"
#include "../base/options.h"
#include "../base/os.h"
#include "chunk.h"
#include "region.h"

/* ---- how many lists an arena and a thread cache hold ---- */
#define HG_NBINS 128
#define HG_NSMALLBINS 64
#define HG_MIN_LARGE_SIZE ((size_t)HG_NSMALLBINS * HG_ALIGNMENT) /* 1024 */
#define HG_UNSORTED 1
#define HG_NFASTBINS 10				/* chunk sizes 32..176 */
#define HG_TCACHE_BINS 64			/* chunk sizes 32..1040 */
#define HG_HEAP_MAX ((size_t)64 << 20)		/* non-main heaps: aligned 64 MiB */

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

/* Non-zero while a whole-heap scan (exit, checkpoint, report, heap check)
 * is taking every arena lock: threads wait before taking one, so that a
 * busy thread cannot keep winning the lock the scan is trying for. */
extern int hg_arena_gate HG_HIDDEN;
void hg_arena_gate_wait(void) HG_HIDDEN __attribute__((cold));

/* glibc's SINGLE_THREAD_P: while the process has one thread nothing else can
 * enter the allocator, so arena locks are skipped.  glibc clears the flag in
 * pthread_create before the new thread exists, never inside malloc, so a
 * lock and its unlock always agree. */
static inline void hg_arena_lock(struct hg_arena *av)
{
	if (!__libc_single_threaded) {
		if (__builtin_expect(__atomic_load_n(&hg_arena_gate, __ATOMIC_ACQUIRE) != 0, 0))
			hg_arena_gate_wait();
		hg_lock_acquire(&av->lock);
	}
}

static inline void hg_arena_unlock(struct hg_arena *av)
{
	if (!__libc_single_threaded)
		hg_lock_release(&av->lock);
}

/* ---- run-time parameters (from options.h, changed by mallopt) ---- */
struct hg_mparams {
	size_t mmap_threshold;
	size_t trim_threshold;
	size_t top_pad;
	bool top_pad_raised;			/* level=full's growth step for the quarantine */
	size_t max_fast;			/* largest fastbin chunk size */
	int mmap_max;
	bool no_dyn_threshold;			/* a threshold was set explicitly */
	int perturb;				/* MALLOC_PERTURB_ byte, 0 off */
	bool full;				/* level=full: canaries, fill, quarantine */
	unsigned char start_perturb;		/* perturb at start-up (level=full's fill) */
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
	bool sample_started;			/* sample_left was set once (guard/sample.c) */
	/* Allocations left before the next sampled one: malloc decrements it,
	 * and below 0 its slow path asks guard/sample.c (0 in a new thread). */
	int32_t sample_left;
	uint16_t number;			/* 1 = main, then in order of first stack; 0 = not yet */
	uint32_t stack_captures, stack_hits;	/* depot statistics not yet added up */
	/* The program's frame at the malloc-family call in progress (return
	 * address, stack and frame pointers), or entry_ra 0: stack capture
	 * starts there instead of walking heapguard's own frames. */
	uintptr_t entry_ra, entry_sp, entry_bp;
	long own_blocks;			/* blocks of this generation it was handed, less those it freed */
	/* In a fork child, the thread that forked: where the next block it
	 * is handed is noted (hg_own_log), and how many more fit. */
	struct hg_chunk **own_log;
	size_t own_log_left;
	struct hg_tcache tcache;
};

extern __thread struct hg_thread hg_self __attribute__((tls_model("initial-exec")));

/* ---- fork generations ----
 * A process started by exec is generation 0; a child forked without exec
 * is its parent's + 1.  Every block handed to the program carries the
 * generation of the process that was handed it (G in chunk.h), so a child
 * tells the blocks it allocated from those it inherited. */
extern unsigned hg_generation HG_HIDDEN;
/* What an allocation stamps in the owner half: G of this process, and N. */
extern uint32_t hg_stamp_owner_bits HG_HIDDEN;

static inline bool hg_chunk_is_own(const struct hg_chunk *c)
{
	uint32_t owner = __atomic_load_n((const uint32_t *)&c->head + 1, __ATOMIC_RELAXED);
	return ((owner ^ hg_stamp_owner_bits) & HG_GENERATION_OWNER_MASK) == 0;
}

/* A fork child's thread that forked notes c in its log (hg_own_log);
 * elsewhere own_log_left is 0 and this is one test. */
static inline void hg_own_log_note(struct hg_thread *t, struct hg_chunk *c)
{
	if (HG_UNLIKELY(t->own_log_left != 0)) {
		t->own_log_left--;
		*t->own_log++ = c;
	}
}

/* c, allocated, becomes the program's block, handed to this process by
 * thread t (every path but the inline one, which does the same itself). */
static inline void hg_chunk_claim(struct hg_thread *t, struct hg_chunk *c)
{
	uint32_t *owner = hg_chunk_owner_word(c);
	uint32_t v = __atomic_load_n(owner, __ATOMIC_RELAXED);
	__atomic_store_n(owner, (v & ~HG_STAMP_OWNER_MASK) | hg_stamp_owner_bits,
			 __ATOMIC_RELAXED);
	t->own_blocks++;
	hg_own_log_note(t, c);
}

/* The program gives c up (free, or realloc's old block), in thread t. */
static inline void hg_chunk_disown(struct hg_thread *t, const struct hg_chunk *c)
{
	t->own_blocks -= hg_chunk_is_own(c);
}

/* The fork child handler: one generation more, nothing of it allocated. */
void hg_generation_fork_child(void);
/* The fork parent handler (every fork, one thread or many): this process
 * has a child now, which may share the pages it writes. */
void hg_generation_fork_parent(void);
/* The own-block log of a fork child: every chunk handed to the program by
 * the thread that forked, in order (a chunk handed twice is there twice;
 * one freed since stays: the caller checks each against its header).  True
 * only when it is complete (this is a fork child, only that thread used
 * the heap, the log did not overflow); otherwise the caller walks the
 * heap.  *forked: the process has forked since (a child of its own shares
 * the pages it wrote, which the leak scan reads; see report/scan.h). */
bool hg_own_log(struct hg_chunk *const **log, size_t *n, bool *forked);
/* For the heap check, which reads no page map: complete, whether or not
 * the process forked since; sorted by address, each chunk once (the log
 * is rewritten so). */
bool hg_own_log_compact(struct hg_chunk *const **log, size_t *n);
/* Where the log lies, for the scan to leave it out. */
void hg_own_log_range(uintptr_t *lo, uintptr_t *hi);
/* True in a fork child that certainly holds no block of its own: only the
 * thread that forked used the heap since, and its count is 0.  Its exit
 * then has nothing of its own to check or report (an exec'd process: false). */
bool hg_generation_idle(void);

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

/* ---- arenas and threads, for the layers above ---- */
struct hg_arena *hg_arena_of_chunk(const struct hg_chunk *p);
/* Every arena locked (the list lock, then each), or, patiently, as many
 * as can be (the exit and abort paths): see arena.c. */
void hg_arena_lock_all(void);
bool hg_arena_try_lock_all(void);
void hg_arena_unlock_all(void);
void hg_arena_fork_prepare(void);
void hg_arena_fork_parent(void);
void hg_arena_fork_child(void);
/* A thread's first free of its own: from now on its exit is seen. */
void hg_thread_activate(struct hg_thread *t);

/* An exited thread whose stack glibc may keep mapped in its stack cache:
 * below sp (its exit hook's frame) lie only its dead frames. */
#define HG_DEAD_STACKS_MAX 4096
struct hg_dead_stack {
	uintptr_t self; /* its &hg_self, in its static TLS atop the stack */
	uintptr_t sp;	/* its exit hook's frame */
};
/* Copy the recorded ones; 0 if the set is busy (the caller never waits). */
size_t hg_thread_dead_stacks(struct hg_dead_stack *out, size_t max);

/* Any chunk header of ours that may be trusted: in our heap memory, and
 * its checksum verifies. */
static inline bool hg_chunk_header_ok(const struct hg_chunk *c)
{
	return hg_region_heap_chunk(c) && !hg_chunk_bad_checksum(c, hg_chunk_head(c));
}

/* The header of next, the chunk after one being freed (fast: of a fastbin's
 * size) or reallocated, verifies; reported when it does not. */
bool hg_next_header_ok(const struct hg_chunk *next, const char *op, bool fast);

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

/* prev_size and the P bit of p lead to a free chunk of that size (a
 * report when they do not). */
bool hg_free_prev_ok(struct hg_chunk *p);

/* The whole pages of the free chunk c (size bytes) past its header and
 * links, which malloc_trim purges: their length (0: none), from *start. */
size_t hg_trim_inside(const struct hg_chunk *c, size_t size, uintptr_t *start);
/* The bytes a trim with pad would take off the end of av's top chunk
 * (0: none): whole pages, keeping pad and a minimal chunk.  Main arena:
 * none unless brk grew it in place (contiguous). */
size_t hg_trim_top(struct hg_arena *av, size_t pad);

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

/* ---- allocation, for preload/ to compose with guard/ ---- */
/* A chunk of nb bytes (a chunk size) from an arena, and from another arena
 * if that one is full; NULL when none can be had.  The thread cache first:
 * hg_chunk_alloc in tcache.h. */
struct hg_chunk *hg_chunk_alloc_slow(size_t nb);
/* The same without the thread cache, as glibc's calloc (_int_malloc). */
struct hg_chunk *hg_chunk_alloc_arena(size_t nb);
/* A chunk of nb bytes whose block is aligned to alignment (a power of two
 * above HG_ALIGNMENT, at most HG_MAX_REQUEST). */
struct hg_chunk *hg_chunk_memalign(size_t alignment, size_t nb);
/* oldp, a heap chunk, resized to nb bytes in its arena: in place or moved
 * there (the old block copied and freed); NULL when the arena is full. */
struct hg_chunk *hg_chunk_resize(struct hg_chunk *oldp, size_t nb);
/* A heap chunk straight back to its arena (not the thread cache). */
void hg_chunk_free_to_arena(struct hg_chunk *p);
/* A freed chunk back to the heap: the thread cache, its arena, or munmap. */
void hg_release_freed(struct hg_chunk *c, const char *op);

/* Chunks mmap'd on their own (mmap_chunk.c). */
void hg_munmap_chunk(struct hg_chunk *p, const char *op); /* op: the call, for a report */
/* The program freed mapping p: glibc's dynamic mmap threshold learns its
 * size (before p goes to the quarantine or is unmapped). */
void hg_mmap_freed(struct hg_chunk *p);
struct hg_chunk *hg_mremap_chunk(struct hg_chunk *p, size_t nb);
/* A chunk guard/ mapped itself (a sampled slot's, in the mmap registry)
 * starts (live) or stops counting in mallinfo's hblks and hblkhd, its
 * mapping bytes being prev_size + size, as the registry's readers count. */
void hg_mmap_counted(const struct hg_chunk *p, bool live);

/* ---- glibc's statistics and tuning (stats.c), exported by preload/ ---- */
/* mallinfo2 as the heap sees it: chunks the quarantine holds count as in
 * use here (preload/ moves them to free). */
struct mallinfo2 hg_stats_mallinfo2(void);
void hg_stats_print(void);			/* malloc_stats */
int hg_stats_info(int options, FILE *fp);	/* malloc_info */
int hg_trim(size_t pad);			/* malloc_trim */
int hg_mallopt(int param, int value);

/* ---- the heap's own structures, checked (heapguard_check_heap) ---- */
/* The top chunk of av, against its arena's real extent. */
void hg_check_top(struct hg_arena *av, const char *op);

#endif
