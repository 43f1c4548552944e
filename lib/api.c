/* SPDX-License-Identifier: MIT */
/* The exported malloc API, with glibc 2.36's semantics for sizes, alignments
 * and errno.  Fast paths (the thread cache) are here, inline; everything that
 * takes a lock is out of line. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define HG_EXPORT __attribute__((visibility("default")))

/* ---- malloc ---- */

/* Any chunk for a request: the thread cache if it has one, else an arena
 * (and another arena if that one is full). */
__attribute__((noinline)) static struct hg_chunk *chunk_alloc_slow(size_t nb)
{
	hg_ensure_init();
	struct hg_thread *t = &hg_self;
	size_t tidx = hg_tcache_index(nb);
	if (tidx < hg_mp.tcache_bins && t->tcache.entries[tidx] != NULL)
		return hg_tcache_get(t, tidx);
	struct hg_arena *av = hg_arena_get(t);
	if (HG_UNLIKELY(av == NULL))
		return NULL;
	hg_arena_lock(av);
	struct hg_chunk *p = hg_int_malloc(av, nb);
	hg_arena_unlock(av);
	if (p == NULL && (av = hg_arena_retry(av)) != NULL) {
		hg_arena_lock(av);
		p = hg_int_malloc(av, nb);
		hg_arena_unlock(av);
	}
	return p;
}

static inline struct hg_chunk *chunk_alloc(size_t bytes)
{
	size_t nb = hg_request2size(bytes);
	if (HG_UNLIKELY(nb == 0))
		return NULL;
	struct hg_thread *t = &hg_self;
	size_t tidx = hg_tcache_index(nb);
	if (HG_LIKELY(tidx < hg_mp.tcache_bins && t->tcache.entries[tidx] != NULL))
		return hg_tcache_get(t, tidx);
	return chunk_alloc_slow(nb);
}

/* Everything malloc's fast path declines: errno, perturbation, arenas. */
__attribute__((noinline)) static void *malloc_slow(size_t bytes)
{
	struct hg_chunk *p = chunk_alloc(bytes);
	if (HG_UNLIKELY(p == NULL)) {
		errno = ENOMEM;
		return NULL;
	}
	void *mem = hg_chunk2mem(p);
	hg_perturb_alloc(mem, bytes);
	return mem;
}

/* The fast path is a leaf: pop the thread cache, or hand over (a bad link
 * is left for the slow path to report). */
void *hg_malloc(size_t bytes)
{
	if (HG_LIKELY(bytes <= HG_TCACHE_MAX_REQUEST && !hg_mp.perturb)) {
		struct hg_thread *t = &hg_self;
		size_t tidx = hg_tcache_index(hg_request2size(bytes));
		struct hg_chunk *p;
		if (HG_LIKELY(tidx < hg_mp.tcache_bins && (p = t->tcache.entries[tidx]) != NULL)) {
			struct hg_chunk *next = hg_link_reveal(&p->fd);
			if (HG_LIKELY(!hg_misaligned(next))) {
				t->tcache.entries[tidx] = next;
				t->tcache.counts[tidx]--;
				hg_chunk_set_allocated(p, 1);
				return hg_chunk2mem(p);
			}
		}
	}
	return malloc_slow(bytes);
}

/* ---- free ---- */

/* Why free/realloc can't act on a pointer: reported here, out of line. */
__attribute__((cold, noinline)) static void report_bad_release(void *mem, const char *op_invalid)
{
	struct hg_chunk *p = hg_mem2chunk(mem);
	if (hg_misaligned(mem))
		hg_corruption("invalid-free", mem, op_invalid);
	else if (!hg_chunk_is_allocated(p))
		hg_corruption("double-free", mem, "free(): double free detected in tcache 2");
	else
		hg_corruption("invalid-free", mem, "free(): invalid size");
}

/* A pointer free/realloc can act on: aligned, and a header in a state that
 * only a live allocation of ours has. */
static inline bool valid_for_release(void *mem, struct hg_chunk *p, const char *op_invalid)
{
	size_t head;
	if (HG_UNLIKELY(hg_misaligned(mem)))
		goto bad;
	head = p->head;
	if (HG_LIKELY((head & HG_INUSE) && (head & HG_SIZE_MASK) >= HG_MINSIZE &&
		      (uintptr_t)p <= (uintptr_t) - (head & HG_SIZE_MASK)))
		return true;
bad:
	report_bad_release(mem, op_invalid);
	return false;
}

__attribute__((noinline)) static void free_mmapped(struct hg_chunk *p)
{
	size_t size = hg_chunk_size(p);
	/* glibc's dynamic threshold: a freed mapping this size will be reused,
	 * so serve such sizes from the heap from now on. */
	if (!hg_mp.no_dyn_threshold && size > hg_mp.mmap_threshold &&
	    size <= HG_MMAP_THRESHOLD_MAX) {
		hg_mp.mmap_threshold = size;
		hg_mp.trim_threshold = 2 * size;
	}
	hg_munmap_chunk(p);
}

/* Everything free's fast path declines: checks with a report, mappings,
 * a thread's first free, perturbation, arenas. */
__attribute__((noinline)) static void free_slow(void *mem)
{
	if (mem == NULL)
		return;
	struct hg_chunk *p = hg_mem2chunk(mem);
	if (HG_UNLIKELY(!valid_for_release(mem, p, "free(): invalid pointer")))
		return;
	if (hg_chunk_is_mmapped(p)) {
		free_mmapped(p);
		return;
	}
	hg_ensure_init();
	struct hg_thread *t = &hg_self;
	if (t->state == HG_THREAD_NEW)
		hg_thread_activate(t);
	size_t size = hg_chunk_size(p);
	size_t tidx = hg_tcache_index(size);
	if (tidx < hg_mp.tcache_bins && t->state == HG_THREAD_ACTIVE &&
	    t->tcache.counts[tidx] < hg_mp.tcache_count) {
		hg_perturb_free(mem, size - HG_CHUNK_HDR);
		hg_tcache_put(t, p, tidx);
		return;
	}
	hg_int_free(hg_arena_of_chunk(p), p, false);
}

/* The fast path is a leaf: an aligned, allocated heap chunk of a cached
 * size goes to the thread cache; anything else is checked in full.  The
 * head is read as two halves: the owner half was just stored whole by
 * malloc, so the load forwards from that store instead of stalling. */
void hg_free(void *mem)
{
	struct hg_thread *t = &hg_self;
	if (HG_LIKELY(mem != NULL && !hg_misaligned(mem) && t->state == HG_THREAD_ACTIVE &&
		      !hg_mp.perturb)) {
		struct hg_chunk *p = hg_mem2chunk(mem);
		uint32_t low = __atomic_load_n((uint32_t *)&p->head, __ATOMIC_RELAXED);
		uint32_t owner = __atomic_load_n(hg_chunk_owner_word(p), __ATOMIC_RELAXED);
		size_t size = low & (uint32_t)~HG_ALIGN_MASK;
		size_t tidx = hg_tcache_index(size);
		uint32_t state_mask = (uint32_t)((HG_INUSE | HG_SIZE_MASK) >> HG_OWNER_SHIFT);
		if (HG_LIKELY((low & HG_IS_MMAPPED) == 0 &&
			      (owner & state_mask) == (uint32_t)(HG_INUSE >> HG_OWNER_SHIFT) &&
			      size >= HG_MINSIZE && tidx < hg_mp.tcache_bins &&
			      t->tcache.counts[tidx] < hg_mp.tcache_count)) {
			hg_tcache_put(t, p, tidx);
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
	struct hg_chunk *p = chunk_alloc(bytes);
	if (HG_UNLIKELY(p == NULL)) {
		errno = ENOMEM;
		return NULL;
	}
	void *mem = hg_chunk2mem(p);
	/* A fresh mapping is already zero. */
	if (!hg_chunk_is_mmapped(p) || hg_mp.perturb)
		memset(mem, 0, hg_chunk_usable(p));
	return mem;
}

static void *realloc_mmapped(struct hg_chunk *oldp, size_t bytes, size_t nb)
{
	struct hg_chunk *newp = hg_mremap_chunk(oldp, nb);
	if (newp != NULL)
		return hg_chunk2mem(newp);
	size_t usable = hg_chunk_usable(oldp);
	if (usable >= bytes)
		return hg_chunk2mem(oldp);
	void *mem = hg_malloc(bytes);
	if (mem == NULL)
		return NULL;
	memcpy(mem, hg_chunk2mem(oldp), usable);
	hg_munmap_chunk(oldp);
	return mem;
}

static void *hg_realloc(void *oldmem, size_t bytes)
{
	if (oldmem == NULL)
		return hg_malloc(bytes);
	if (bytes == 0) {
		hg_free(oldmem); /* glibc's REALLOC_ZERO_BYTES_FREES */
		return NULL;
	}
	struct hg_chunk *oldp = hg_mem2chunk(oldmem);
	if (HG_UNLIKELY(!valid_for_release(oldmem, oldp, "realloc(): invalid pointer"))) {
		errno = EINVAL;
		return NULL;
	}
	size_t nb = hg_request2size(bytes);
	if (HG_UNLIKELY(nb == 0)) {
		errno = ENOMEM;
		return NULL;
	}
	hg_ensure_init();
	if (hg_chunk_is_mmapped(oldp)) {
		void *mem = realloc_mmapped(oldp, bytes, nb);
		if (mem == NULL)
			errno = ENOMEM;
		return mem;
	}
	size_t oldsize = hg_chunk_size(oldp);
	struct hg_arena *av = hg_arena_of_chunk(oldp);
	hg_arena_lock(av);
	struct hg_chunk *newp = hg_int_realloc(av, oldp, oldsize, nb);
	hg_arena_unlock(av);
	if (newp != NULL)
		return hg_chunk2mem(newp);
	/* This arena is full: allocate anywhere, copy, free. */
	void *mem = hg_malloc(bytes);
	if (mem != NULL) {
		memcpy(mem, oldmem, oldsize - HG_SIZE_SZ);
		hg_int_free(av, oldp, false);
	}
	return mem;
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
	size_t nb = hg_request2size(bytes);
	if (nb == 0 || alignment > HG_MAX_REQUEST || nb > HG_MAX_REQUEST - alignment) {
		errno = ENOMEM;
		return NULL;
	}
	hg_ensure_init();
	struct hg_arena *av = hg_arena_get(&hg_self);
	hg_arena_lock(av);
	struct hg_chunk *p = hg_int_memalign(av, alignment, nb);
	hg_arena_unlock(av);
	if (p == NULL && (av = hg_arena_retry(av)) != NULL) {
		hg_arena_lock(av);
		p = hg_int_memalign(av, alignment, nb);
		hg_arena_unlock(av);
	}
	if (p == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	hg_perturb_alloc(hg_chunk2mem(p), bytes);
	return hg_chunk2mem(p);
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

static size_t hg_usable_size(void *mem)
{
	if (mem == NULL)
		return 0;
	struct hg_chunk *p = hg_mem2chunk(mem);
	if (hg_misaligned(mem) || !hg_chunk_is_allocated(p))
		return 0;
	return hg_chunk_usable(p);
}

/* ---- the exported names ---- */

HG_EXPORT void *malloc(size_t n) __attribute__((alias("hg_malloc")));
HG_EXPORT void free(void *p) __attribute__((alias("hg_free")));

HG_EXPORT void *calloc(size_t n, size_t size)
{
	return hg_calloc(n, size);
}

HG_EXPORT void *realloc(void *p, size_t n)
{
	return hg_realloc(p, n);
}

HG_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes)) {
		errno = ENOMEM;
		return NULL;
	}
	return hg_realloc(p, bytes);
}

HG_EXPORT void *memalign(size_t alignment, size_t n)
{
	return hg_memalign(alignment, n);
}

/* glibc 2.36's aligned_alloc is memalign (the C11 checks came in 2.38). */
HG_EXPORT void *aligned_alloc(size_t alignment, size_t n)
{
	return hg_memalign(alignment, n);
}

HG_EXPORT int posix_memalign(void **memptr, size_t alignment, size_t n)
{
	return hg_posix_memalign(memptr, alignment, n);
}

HG_EXPORT void *valloc(size_t n)
{
	return hg_valloc(n);
}

HG_EXPORT void *pvalloc(size_t n)
{
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
