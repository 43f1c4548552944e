/* SPDX-License-Identifier: MIT */
/* The exported malloc API, with glibc 2.36's semantics for sizes, alignments
 * and errno, and heapguard_*: where lib/'s heap, guard/'s checks, stack/'s
 * capture and report/'s writers are put together.  The fast paths are the
 * thread cache's (lib/tcache.h), inline; everything that takes a lock is
 * out of line. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fmt.h"
#include "../guard/guard.h"
#include "../guard/quarantine.h"
#include "../guard/sample.h"
#include "../lib/lib.h"
#include "../lib/tcache.h"
#include "../report/checkpoint.h"
#include "../report/frag.h"
#include "../report/request.h"
#include "../stack/unwind.h"

/* Every exported function but malloc and free (see there). */
#define HG_EXPORT __attribute__((visibility("default"))) HG_ENTRY

/* ---- the program's frame ----
 * A function that uses __builtin_frame_address(0) sets up rbp as its frame
 * pointer on entry, so there the caller's return address, stack pointer
 * (above the return address) and frame pointer (saved at rbp) are known
 * exactly.  Recorded at level=full where the caller is the program (a
 * function heapguard's exported one tail-called, or the exported one), so
 * that stack capture starts at the program's frame; cleared on return. */
static inline void entry_forget(char *unused)
{
	(void)unused;
	hg_self.entry_ra = 0;
}

#define HG_NOTE_ENTRY()                                                                   \
	char hg_entry_scope __attribute__((cleanup(entry_forget), unused));                \
	if (hg_mp.full) {                                                                 \
		uintptr_t ra_ = (uintptr_t)__builtin_return_address(0);                   \
		const uintptr_t *fp_ = __builtin_frame_address(0);                       \
		if (!hg_unwind_is_ours(ra_)) {                                            \
			hg_self.entry_sp = (uintptr_t)(fp_ + 2);                          \
			hg_self.entry_bp = fp_[0];                                        \
			hg_self.entry_ra = ra_;                                           \
		}                                                                         \
	}

/* ---- requests ---- */

/* Chunk size for a request; level=full adds the trailer and a canary byte.
 * 0 when the request can never be served. */
static inline size_t request_size(size_t bytes)
{
	if (hg_mp.full) {
		if (bytes > HG_MAX_REQUEST - HG_GUARD_EXTRA)
			return 0;
		bytes += HG_GUARD_EXTRA;
	}
	return hg_request2size(bytes);
}

/* A chunk becomes the program's block of `bytes`. */
static inline void *hand_out(struct hg_chunk *p, size_t bytes)
{
	void *mem = hg_chunk2mem(p);
	hg_chunk_claim(&hg_self, p);
	if (hg_mp.full)
		hg_guard_arm(p, bytes);
	hg_perturb_alloc(mem, bytes);
	return mem;
}

/* ---- malloc ---- */

/* A chunk for a request of `bytes`, or NULL with errno ENOMEM. */
static struct hg_chunk *chunk_for_request(size_t bytes)
{
	hg_ensure_init();
	size_t nb = request_size(bytes);
	struct hg_chunk *p = nb ? hg_chunk_alloc(nb) : NULL;
	if (HG_UNLIKELY(p == NULL))
		errno = ENOMEM;
	return p;
}

/* Everything malloc's fast path declines: errno, level=full, perturbation,
 * arenas. */
HG_ENTRY __attribute__((noinline)) static void *malloc_slow(size_t bytes, bool counted)
{
	HG_NOTE_ENTRY();
	if (HG_UNLIKELY(hg_mp.poll))
		hg_request_poll();
	if (!counted)
		--hg_self.sample_left;
	if (HG_UNLIKELY(hg_self.sample_left < 0)) {
		hg_ensure_init();
		struct hg_chunk *sampled = hg_sample_take(bytes);
		if (sampled != NULL)
			return hand_out(sampled, bytes);
	}
	struct hg_chunk *p = chunk_for_request(bytes);
	return p != NULL ? hand_out(p, bytes) : NULL;
}

/* The fast path is a leaf: the thread cache's block, or the slow path.
 * Every call counts down to the next sampled allocation (sample=): one
 * decrement, here or in the slow path; below 0 the slow path asks
 * guard/sample.c.  Decremented after the checks that send a call to the
 * slow path anyway, so the leaf keeps its registers (no spills). */
void *hg_malloc(size_t bytes)
{
	if (HG_LIKELY(bytes <= HG_TCACHE_MAX_REQUEST && !hg_mp.slow_paths)) {
		if (HG_UNLIKELY(--hg_self.sample_left < 0))
			return malloc_slow(bytes, true);
		void *mem = hg_tcache_take_fast(&hg_self, bytes);
		if (HG_LIKELY(mem != NULL))
			return mem;
		return malloc_slow(bytes, true);
	}
	return malloc_slow(bytes, false);
}

/* ---- free ---- */

/* Everything free's fast path declines: full checks with a report,
 * mappings, level=full, a thread's first free, perturbation, arenas. */
static void free_slow_work(void *mem)
{
	if (HG_UNLIKELY(hg_mp.poll))
		hg_request_poll();
	if (mem == NULL)
		return;
	hg_ensure_init();
	if (HG_UNLIKELY(!hg_guard_check_release(mem, "free")))
		return;
	struct hg_chunk *p = hg_mem2chunk(mem);
	hg_chunk_disown(&hg_self, p);
	if (hg_mp.full) {
		if (!hg_guard_release_ok(p, "free"))
			return;
	}
	if (HG_UNLIKELY(hg_sample_has(p))) {
		hg_sample_free(p);
		return;
	}
	size_t held = (size_t)hg_config.options.quarantine;
	if (hg_chunk_is_mmapped(p)) {
		hg_mmap_freed(p);
		if (!(hg_mp.full && hg_chunk_size(p) <= held / 2)) {
			hg_munmap_chunk(p, "free");
			return;
		}
	}
	if (hg_mp.full && held > 0) {
		/* The thread's quarantine batch is handed on at its exit. */
		if (hg_self.state == HG_THREAD_NEW)
			hg_thread_activate(&hg_self);
		hg_guard_quarantine(p);
		return;
	}
	if (hg_mp.full)
		hg_guard_forget(p); /* before another thread may be handed it */
	hg_release_freed(p, "free");
}

/* glibc 2.33 and later keep errno across free (POSIX 2024 requires it),
 * whatever free does: unmap, quarantine, report, write a polled report. */
HG_ENTRY __attribute__((noinline)) static void free_slow(void *mem)
{
	HG_NOTE_ENTRY();
	int saved = errno;
	free_slow_work(mem);
	errno = saved;
}

/* The fast path is a leaf: into the thread cache, or the full checks. */
void hg_free(void *mem)
{
	struct hg_thread *t = &hg_self;
	if (HG_LIKELY(t->state == HG_THREAD_ACTIVE && !hg_mp.slow_paths &&
		      hg_tcache_give_fast(t, mem)))
		return;
	free_slow(mem);
}

/* ---- calloc, realloc ---- */

/* As glibc 2.36's calloc, which calls _int_malloc directly: never from
 * the thread cache, so a block freed into the cache stays there until a
 * malloc takes it (glibc's tst-safe-linking fills the cache with
 * calloc/free pairs and counts on it). */
static void *hg_calloc(size_t n, size_t elem)
{
	size_t bytes;
	if (HG_UNLIKELY(__builtin_mul_overflow(n, elem, &bytes))) {
		errno = ENOMEM;
		return NULL;
	}
	hg_ensure_init(); /* request_size reads the level */
	size_t nb = request_size(bytes);
	struct hg_chunk *p = NULL;
	if (HG_UNLIKELY(--hg_self.sample_left < 0))
		p = hg_sample_take(bytes);
	if (p == NULL)
		p = nb ? hg_chunk_alloc_arena(nb) : NULL;
	if (HG_UNLIKELY(p == NULL)) {
		errno = ENOMEM;
		return NULL;
	}
	void *mem = hg_chunk2mem(p);
	/* A fresh mapping is already zero; a sampled slot's page may be
	 * one used before. */
	if (!hg_chunk_is_mmapped(p) || hg_mp.perturb || hg_sample_has(p))
		memset(mem, 0, hg_mp.full ? bytes : hg_chunk_usable(p));
	hg_chunk_claim(&hg_self, p);
	if (hg_mp.full)
		hg_guard_arm(p, bytes);
	return mem;
}

/* Bytes of the old block a move must keep. */
static size_t live_bytes(struct hg_chunk *p)
{
	size_t requested;
	return hg_mp.full && hg_chunk_requested(p, &requested) ? requested : hg_chunk_usable(p);
}

static struct hg_chunk *realloc_mmapped(struct hg_chunk *oldp, size_t bytes, size_t nb)
{
	struct hg_chunk *newp = hg_mremap_chunk(oldp, nb);
	if (newp != NULL)
		return newp;
	if (hg_chunk_usable(oldp) >= nb - HG_SIZE_SZ)
		return oldp;
	struct hg_chunk *p = hg_chunk_alloc(nb);
	if (p == NULL)
		return NULL;
	size_t keep = live_bytes(oldp);
	memcpy(hg_chunk2mem(p), hg_chunk2mem(oldp), keep < bytes ? keep : bytes);
	hg_munmap_chunk(oldp, "realloc");
	return p;
}

static void *hg_realloc(void *oldmem, size_t bytes)
{
	if (oldmem == NULL)
		return hg_malloc(bytes);
	if (bytes == 0) {
		hg_free(oldmem); /* glibc's REALLOC_ZERO_BYTES_FREES */
		return NULL;
	}
	hg_ensure_init();
	if (HG_UNLIKELY(!hg_guard_check_release(oldmem, "realloc"))) {
		errno = EINVAL;
		return NULL;
	}
	struct hg_chunk *oldp = hg_mem2chunk(oldmem);
	/* Read now: the old chunk may be freed below.  The result, even in
	 * place, is the block of the process that called realloc. */
	bool own = hg_chunk_is_own(oldp);
	size_t nb = request_size(bytes);
	if (HG_UNLIKELY(nb == 0)) {
		errno = ENOMEM;
		return NULL;
	}
	if (hg_mp.full && !hg_guard_release_ok(oldp, "realloc")) {
		/* The old block is isolated; the program gets a copy. */
		hg_self.own_blocks -= own;
		void *mem = hg_malloc(bytes);
		if (mem != NULL)
			memcpy(mem, oldmem, bytes < hg_chunk_usable(oldp) ? bytes : hg_chunk_usable(oldp));
		return mem;
	}
	/* The block's size and canary are about to change: not armed until
	 * hg_guard_arm() below, so no check meets it half-done. */
	if (hg_mp.full)
		hg_chunk_set_state(oldp, HG_ARMED, 0);
	struct hg_chunk *newp;
	if (HG_UNLIKELY(hg_sample_has(oldp))) {
		/* A sampled block always moves: its slot is freed as any
		 * other sampled block's. */
		newp = hg_chunk_alloc(nb);
		if (newp != NULL) {
			size_t keep = live_bytes(oldp);
			memcpy(hg_chunk2mem(newp), oldmem, keep < bytes ? keep : bytes);
			hg_sample_free(oldp);
		}
	} else if (hg_mp.full && !hg_chunk_is_mmapped(oldp) && nb > hg_chunk_size(oldp) &&
	    hg_config.options.quarantine > 0) {
		/* level=full moves a growing block, so the old one goes through
		 * the quarantine and a write through a stale pointer is seen. */
		newp = hg_chunk_alloc(nb);
		if (newp != NULL) {
			size_t keep = live_bytes(oldp);
			memcpy(hg_chunk2mem(newp), oldmem, keep < bytes ? keep : bytes);
			hg_guard_quarantine(oldp);
		}
	} else if (hg_chunk_is_mmapped(oldp)) {
		newp = realloc_mmapped(oldp, bytes, nb);
	} else {
		size_t keep = live_bytes(oldp);
		newp = hg_chunk_resize(oldp, nb);
		if (newp == NULL) {
			/* This arena is full: allocate anywhere, copy, free. */
			newp = hg_chunk_alloc(nb);
			if (newp != NULL) {
				memcpy(hg_chunk2mem(newp), oldmem, keep < bytes ? keep : bytes);
				if (hg_mp.full)
					hg_guard_forget(oldp);
				hg_chunk_free_to_arena(oldp);
			}
		}
	}
	if (newp == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	hg_self.own_blocks -= own;
	hg_chunk_claim(&hg_self, newp);
	if (hg_mp.full)
		hg_guard_arm(newp, bytes);
	return hg_chunk2mem(newp);
}

/* ---- aligned allocation ---- */

static void *hg_memalign(size_t alignment, size_t bytes)
{
	if (alignment <= HG_ALIGNMENT)
		return hg_malloc(bytes);
	if (alignment > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	if (alignment < HG_MINSIZE)
		alignment = HG_MINSIZE;
	if (alignment & (alignment - 1)) /* glibc rounds up to a power of two */
		alignment = (size_t)1 << (64 - __builtin_clzl(alignment));
	hg_ensure_init();
	size_t nb = request_size(bytes);
	if (nb == 0 || alignment > HG_MAX_REQUEST || nb > HG_MAX_REQUEST - alignment) {
		errno = ENOMEM;
		return NULL;
	}
	struct hg_chunk *p = hg_chunk_memalign(alignment, nb);
	if (p == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	return hand_out(p, bytes);
}

static int hg_posix_memalign(void **memptr, size_t alignment, size_t bytes)
{
	if (alignment == 0 || alignment % sizeof(void *) != 0 ||
	    ((alignment / sizeof(void *)) & (alignment / sizeof(void *) - 1)) != 0)
		return EINVAL;
	void *mem = hg_memalign(alignment, bytes);
	if (mem == NULL) {
		/* glibc's _mid_memalign fails with errno ENOMEM, and
		 * posix_memalign leaves it set (only EINVAL is returned alone). */
		errno = ENOMEM;
		return ENOMEM;
	}
	*memptr = mem;
	return 0;
}

static void *hg_valloc(size_t bytes)
{
	hg_ensure_init();
	return hg_memalign(hg_page_size, bytes);
}

static void *hg_pvalloc(size_t bytes)
{
	hg_ensure_init();
	size_t rounded;
	if (__builtin_add_overflow(bytes, hg_page_size - 1, &rounded)) {
		errno = ENOMEM;
		return NULL;
	}
	rounded &= ~(hg_page_size - 1);
	return hg_memalign(hg_page_size, rounded ? rounded : hg_page_size);
}

/* glibc's usable size; level=full reports the request, since the bytes
 * after it are the canary. */
static size_t hg_usable_size(void *mem)
{
	if (mem == NULL)
		return 0;
	hg_ensure_init();
	if (!hg_guard_check_release(mem, "malloc_usable_size"))
		return 0;
	return live_bytes(hg_mem2chunk(mem));
}

/* ---- the exported names ---- */

/* The fast paths, not HG_ENTRY: malloc_slow and free_slow realign. */
__attribute__((visibility("default"))) void *malloc(size_t n) __attribute__((alias("hg_malloc")));
__attribute__((visibility("default"))) void free(void *p) __attribute__((alias("hg_free")));

HG_EXPORT void *calloc(size_t n, size_t size)
{
	HG_NOTE_ENTRY();
	return hg_calloc(n, size);
}

HG_EXPORT void *realloc(void *p, size_t n)
{
	HG_NOTE_ENTRY();
	return hg_realloc(p, n);
}

HG_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	HG_NOTE_ENTRY();
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	return hg_realloc(p, bytes);
}

HG_EXPORT void *memalign(size_t alignment, size_t n)
{
	HG_NOTE_ENTRY();
	return hg_memalign(alignment, n);
}

/* glibc 2.36's aligned_alloc is memalign (the C11 checks came in 2.38). */
HG_EXPORT void *aligned_alloc(size_t alignment, size_t n)
{
	HG_NOTE_ENTRY();
	return hg_memalign(alignment, n);
}

HG_EXPORT int posix_memalign(void **memptr, size_t alignment, size_t n)
{
	HG_NOTE_ENTRY();
	return hg_posix_memalign(memptr, alignment, n);
}

HG_EXPORT void *valloc(size_t n)
{
	HG_NOTE_ENTRY();
	return hg_valloc(n);
}

HG_EXPORT void *pvalloc(size_t n)
{
	HG_NOTE_ENTRY();
	return hg_pvalloc(n);
}

HG_EXPORT size_t malloc_usable_size(void *p)
{
	return hg_usable_size(p);
}

/* glibc's own entry points, which a few programs and libraries call
 * directly: they must reach this heap too. */
#define HG_ALIAS(target) __attribute__((alias(#target), copy(target)))
HG_EXPORT void *__libc_malloc(size_t n) HG_ALIAS(malloc);
HG_EXPORT void __libc_free(void *p) HG_ALIAS(free);
HG_EXPORT void *__libc_calloc(size_t n, size_t size) HG_ALIAS(calloc);
HG_EXPORT void *__libc_realloc(void *p, size_t n) HG_ALIAS(realloc);
HG_EXPORT void *__libc_memalign(size_t alignment, size_t n) HG_ALIAS(memalign);
HG_EXPORT void *__libc_valloc(size_t n) HG_ALIAS(valloc);
HG_EXPORT void *__libc_pvalloc(size_t n) HG_ALIAS(pvalloc);
HG_EXPORT void cfree(void *p) HG_ALIAS(free);

/* ---- statistics and tuning, as glibc reports them (lib/stats.c, which
 * starts the heap itself) ---- */

struct held {
	size_t heap_bytes, mmaps, mmap_bytes;
};

static void count_held(struct hg_chunk *c, void *ctx)
{
	struct held *h = ctx;
	if (hg_chunk_is_mmapped(c)) {
		h->mmaps++;
		h->mmap_bytes += hg_chunk_size(c) + c->prev_size;
	} else {
		h->heap_bytes += hg_chunk_size(c);
	}
}

/* The heap's figures, with the chunks in level=full's quarantine moved from
 * in use to free: they are not the program's any more. */
HG_EXPORT struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 m = hg_stats_mallinfo2();
	struct held held = { 0, 0, 0 };
	hg_quarantine_each(count_held, &held);
	held.heap_bytes = held.heap_bytes < m.uordblks ? held.heap_bytes : m.uordblks;
	m.uordblks -= held.heap_bytes;
	m.fordblks += held.heap_bytes;
	m.hblks -= held.mmaps;
	m.hblkhd -= held.mmap_bytes;
	return m;
}

HG_EXPORT struct mallinfo mallinfo(void)
{
	struct mallinfo2 m2 = mallinfo2();
	struct mallinfo m;
	m.arena = (int)m2.arena;
	m.ordblks = (int)m2.ordblks;
	m.smblks = (int)m2.smblks;
	m.hblks = (int)m2.hblks;
	m.hblkhd = (int)m2.hblkhd;
	m.usmblks = (int)m2.usmblks;
	m.fsmblks = (int)m2.fsmblks;
	m.uordblks = (int)m2.uordblks;
	m.fordblks = (int)m2.fordblks;
	m.keepcost = (int)m2.keepcost;
	return m;
}

HG_EXPORT void malloc_stats(void)
{
	hg_stats_print();
}

HG_EXPORT int malloc_info(int options, FILE *fp)
{
	return hg_stats_info(options, fp);
}

HG_EXPORT int malloc_trim(size_t pad)
{
	return hg_trim(pad);
}

HG_EXPORT int mallopt(int param, int value)
{
	return hg_mallopt(param, value);
}

/* ---- heapguard_* ---- */

HG_EXPORT int heapguard_check_heap(void)
{
	hg_ensure_init();
	return hg_guard_check_heap("heapguard_check_heap");
}

HG_EXPORT const char *heapguard_version(void)
{
	return PACKAGE_VERSION;
}

HG_EXPORT int heapguard_checkpoint(void)
{
	hg_ensure_init();
	return hg_checkpoint_now();
}

HG_EXPORT int heapguard_report(void)
{
	hg_ensure_init();
	char final[4096 + 64];
	int err = hg_frag_write(HG_FRAG_ON_CALL, 0, final, sizeof(final));
	hg_frag_say(err, final);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}
