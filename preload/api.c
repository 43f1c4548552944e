/* SPDX-License-Identifier: MIT */
/* The exported malloc API, with glibc 2.36's semantics for sizes, alignments
 * and errno.  Fast paths (the thread cache) are here, inline; everything that
 * takes a lock is out of line. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/fmt.h"
#include "../lib/internal.h"
#include "../guard/guard.h"
#include "../report/frag.h"
#include "../stack/unwind.h"

#define HG_EXPORT __attribute__((visibility("default")))

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

/* Any chunk of nb bytes: the thread cache if it has one, else an arena
 * (and another arena if that one is full). */
__attribute__((noinline)) static struct hg_chunk *chunk_alloc_slow(size_t nb)
{
	hg_ensure_init();
	struct hg_thread *t = &hg_self;
	size_t tidx = hg_tcache_index(nb);
	struct hg_chunk *p;
	if (tidx < hg_mp.tcache_bins && t->tcache.entries[tidx] != NULL &&
	    (p = hg_tcache_get(t, tidx)) != NULL)
		return p;
	struct hg_arena *av = hg_arena_get(t);
	if (HG_UNLIKELY(av == NULL))
		return NULL;
	hg_arena_lock(av);
	p = hg_int_malloc(av, nb);
	hg_arena_unlock(av);
	if (p == NULL && (av = hg_arena_retry(av, nb)) != NULL) {
		hg_arena_lock(av);
		p = hg_int_malloc(av, nb);
		hg_arena_unlock(av);
	}
	return p;
}

static inline struct hg_chunk *chunk_alloc(size_t nb)
{
	struct hg_thread *t = &hg_self;
	size_t tidx = hg_tcache_index(nb);
	struct hg_chunk *p;
	if (HG_LIKELY(tidx < hg_mp.tcache_bins && t->tcache.entries[tidx] != NULL &&
		      (p = hg_tcache_get(t, tidx)) != NULL))
		return p;
	return chunk_alloc_slow(nb);
}

/* A chunk becomes the program's block of `bytes`. */
static inline void *hand_out(struct hg_chunk *p, size_t bytes)
{
	void *mem = hg_chunk2mem(p);
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
	struct hg_chunk *p = nb ? chunk_alloc(nb) : NULL;
	if (HG_UNLIKELY(p == NULL))
		errno = ENOMEM;
	return p;
}

/* Everything malloc's fast path declines: errno, level=full, perturbation,
 * arenas. */
__attribute__((noinline)) static void *malloc_slow(size_t bytes)
{
	HG_NOTE_ENTRY();
	if (HG_UNLIKELY(hg_mp.poll))
		hg_frag_poll();
	struct hg_chunk *p = chunk_for_request(bytes);
	return p != NULL ? hand_out(p, bytes) : NULL;
}

/* The fast path is a leaf: pop the thread cache, or hand over.  A link or
 * header that does not verify, or a chunk outside the common regions
 * (hg_region_heap_chunk_quick), is left for the slow path. */
void *hg_malloc(size_t bytes)
{
	if (HG_LIKELY(bytes <= HG_TCACHE_MAX_REQUEST && !hg_mp.slow_paths)) {
		struct hg_thread *t = &hg_self;
		size_t tidx = hg_tcache_index(hg_request2size(bytes));
		struct hg_chunk *p;
		if (HG_LIKELY(tidx < hg_mp.tcache_bins && (p = t->tcache.entries[tidx]) != NULL &&
			      hg_region_heap_chunk_quick(p))) {
			/* Two halves: free just stored the owner half (see hg_free). */
			uint32_t low = __atomic_load_n((uint32_t *)&p->head, __ATOMIC_RELAXED);
			uint32_t owner = __atomic_load_n(hg_chunk_owner_word(p), __ATOMIC_RELAXED);
			size_t head = (size_t)owner << HG_OWNER_SHIFT | low;
			struct hg_chunk *next = hg_link_reveal(&p->fd);
			if (HG_LIKELY(!hg_misaligned(next) &&
				      (head & (HG_STATE_BITS | HG_IS_MMAPPED)) == 0 &&
				      (head & HG_SIZE_MASK) == hg_request2size(bytes) &&
				      !hg_chunk_bad_heap_checksum(p, head, false))) {
				t->tcache.entries[tidx] = next;
				t->tcache.counts[tidx]--;
				__atomic_store_n(hg_chunk_owner_word(p), owner ^ hg_chunk_inuse_flip(),
						 __ATOMIC_RELAXED);
				return hg_chunk2mem(p);
			}
		}
	}
	return malloc_slow(bytes);
}

/* ---- free ---- */

/* Everything free's fast path declines: full checks with a report,
 * mappings, level=full, a thread's first free, perturbation, arenas. */
__attribute__((noinline)) static void free_slow(void *mem)
{
	HG_NOTE_ENTRY();
	if (HG_UNLIKELY(hg_mp.poll))
		hg_frag_poll();
	if (mem == NULL)
		return;
	hg_ensure_init();
	if (HG_UNLIKELY(!hg_guard_check_release(mem, "free")))
		return;
	struct hg_chunk *p = hg_mem2chunk(mem);
	if (hg_mp.full) {
		if (!hg_guard_release_ok(p, "free"))
			return;
	}
	size_t held = (size_t)hg_config.options.quarantine;
	if (hg_chunk_is_mmapped(p)) {
		hg_mmap_freed(p);
		if (!(hg_mp.full && hg_chunk_size(p) <= held / 2)) {
			hg_munmap_chunk(p);
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
	hg_release_freed(p);
}

/* The fast path is a leaf: an allocated heap chunk of a cached size whose
 * header verifies goes to the thread cache; anything else is checked in
 * full.  The head is read as two halves: the owner half was just stored
 * whole by malloc, so the load forwards from that store. */
void hg_free(void *mem)
{
	struct hg_thread *t = &hg_self;
	struct hg_chunk *p = hg_mem2chunk(mem);
	if (HG_LIKELY(!hg_misaligned(mem) && t->state == HG_THREAD_ACTIVE && !hg_mp.slow_paths &&
		      hg_region_heap_chunk_quick(p))) {
		uint32_t low = __atomic_load_n((uint32_t *)&p->head, __ATOMIC_RELAXED);
		uint32_t owner = __atomic_load_n(hg_chunk_owner_word(p), __ATOMIC_RELAXED);
		size_t head = (size_t)owner << HG_OWNER_SHIFT | low;
		size_t size = head & HG_SIZE_MASK;
		size_t tidx = hg_tcache_index(size);
		/* (A size below HG_MINSIZE wraps tidx past every bin.) */
		if (HG_LIKELY((head & (HG_STATE_BITS | HG_IS_MMAPPED)) == HG_INUSE &&
			      tidx < hg_mp.tcache_bins &&
			      t->tcache.counts[tidx] < hg_mp.tcache_count &&
			      !hg_chunk_bad_heap_checksum(p, head, true))) {
			__atomic_store_n(hg_chunk_owner_word(p), owner ^ hg_chunk_inuse_flip(),
					 __ATOMIC_RELAXED);
			p->fd = hg_link_protect(&p->fd, t->tcache.entries[tidx]);
			t->tcache.entries[tidx] = p;
			t->tcache.counts[tidx]++;
			return;
		}
	}
	free_slow(mem);
}

/* ---- calloc, realloc ---- */

static void *hg_calloc(size_t n, size_t elem)
{
	size_t bytes;
	if (HG_UNLIKELY(__builtin_mul_overflow(n, elem, &bytes))) {
		errno = ENOMEM;
		return NULL;
	}
	struct hg_chunk *p = chunk_for_request(bytes);
	if (HG_UNLIKELY(p == NULL))
		return NULL;
	void *mem = hg_chunk2mem(p);
	/* A fresh mapping is already zero. */
	if (!hg_chunk_is_mmapped(p) || hg_mp.perturb)
		memset(mem, 0, hg_mp.full ? bytes : hg_chunk_usable(p));
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
	struct hg_chunk *p = chunk_alloc(nb);
	if (p == NULL)
		return NULL;
	size_t keep = live_bytes(oldp);
	memcpy(hg_chunk2mem(p), hg_chunk2mem(oldp), keep < bytes ? keep : bytes);
	hg_munmap_chunk(oldp);
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
	size_t nb = request_size(bytes);
	if (HG_UNLIKELY(nb == 0)) {
		errno = ENOMEM;
		return NULL;
	}
	if (hg_mp.full && !hg_guard_release_ok(oldp, "realloc")) {
		/* The old block is isolated; the program gets a copy. */
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
	if (hg_mp.full && !hg_chunk_is_mmapped(oldp) && nb > hg_chunk_size(oldp) &&
	    hg_config.options.quarantine > 0) {
		/* level=full moves a growing block, so the old one goes through
		 * the quarantine and a write through a stale pointer is seen. */
		newp = chunk_alloc(nb);
		if (newp != NULL) {
			size_t keep = live_bytes(oldp);
			memcpy(hg_chunk2mem(newp), oldmem, keep < bytes ? keep : bytes);
			hg_guard_quarantine(oldp);
		}
	} else if (hg_chunk_is_mmapped(oldp)) {
		newp = realloc_mmapped(oldp, bytes, nb);
	} else {
		size_t oldsize = hg_chunk_size(oldp);
		size_t keep = live_bytes(oldp);
		struct hg_arena *av = hg_arena_of_chunk(oldp);
		hg_arena_lock(av);
		newp = hg_int_realloc(av, oldp, oldsize, nb);
		hg_arena_unlock(av);
		if (newp == NULL) {
			/* This arena is full: allocate anywhere, copy, free. */
			newp = chunk_alloc(nb);
			if (newp != NULL) {
				memcpy(hg_chunk2mem(newp), oldmem, keep < bytes ? keep : bytes);
				hg_int_free(av, oldp, false);
			}
		}
	}
	if (newp == NULL) {
		errno = ENOMEM;
		return NULL;
	}
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
	struct hg_arena *av = hg_arena_get(&hg_self);
	hg_arena_lock(av);
	struct hg_chunk *p = hg_int_memalign(av, alignment, nb);
	hg_arena_unlock(av);
	if (p == NULL && (av = hg_arena_retry(av, nb + alignment)) != NULL) {
		hg_arena_lock(av);
		p = hg_int_memalign(av, alignment, nb);
		hg_arena_unlock(av);
	}
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
	int saved = errno;
	void *mem = hg_memalign(alignment, bytes);
	errno = saved;
	if (mem == NULL)
		return ENOMEM;
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

HG_EXPORT void *malloc(size_t n) __attribute__((alias("hg_malloc")));
HG_EXPORT void free(void *p) __attribute__((alias("hg_free")));

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

HG_EXPORT const char *heapguard_version(void)
{
	return PACKAGE_VERSION;
}

HG_EXPORT int heapguard_report(void)
{
	hg_ensure_init();
	char final[4096 + 64];
	int err = hg_frag_report(HG_FRAG_ON_CALL, 0, final, sizeof(final));
	hg_frag_say(err, final);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}
