/* SPDX-License-Identifier: MIT */
/* Every pointer returned by the malloc family is aligned as glibc promises:
 * 16 bytes for malloc/calloc/realloc, the requested power of two for the
 * memalign family, a page for valloc/pvalloc; for every size 0..4096, a
 * prime-stride and geometric sweep to 1 MiB and the sizes around the 128 KiB
 * mmap threshold. Each block is written at both ends to prove it is usable. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

#define MALLOC_ALIGN 16
#define MAX_SIZE (1024 * 1024)
#define MAX_SIZES 16384

static size_t sizes[MAX_SIZES];
static size_t nsizes;

static void add_size(size_t s)
{
	if (nsizes < MAX_SIZES)
		sizes[nsizes++] = s;
}

static void build_sizes(void)
{
	for (size_t s = 0; s <= 4096; s++)
		add_size(s);
	for (size_t s = 4096 + 251; s <= MAX_SIZE; s += 251)
		add_size(s);
	for (double g = 4096; g <= MAX_SIZE; g *= 1.07)
		add_size((size_t)g);
	for (size_t base = 64 * 1024; base <= 512 * 1024; base *= 2)
		for (long d = -48; d <= 48; d++)
			add_size((size_t)((long)base + d));
	add_size(MAX_SIZE - 1);
	add_size(MAX_SIZE);
}

static void touch(void *p, size_t n, const char *fn, size_t align)
{
	CHECK(p != NULL, "%s(size=%zu align=%zu) returned NULL", fn, n, align);
	if (n == 0)
		return;
	unsigned char *b = p;
	b[0] = 0x5a;
	b[n - 1] = 0xa5;
	b[n / 2] = 0x11;
}

static void test_plain(void)
{
	void *prev = NULL;
	for (size_t i = 0; i < nsizes; i++) {
		size_t n = sizes[i];
		void *p = malloc(n);
		touch(p, n, "malloc", 0);
		CHECK_ALIGNED(p, MALLOC_ALIGN, "malloc(%zu) = %p", n, p);

		void *c = calloc(1, n);
		touch(c, n, "calloc", 0);
		CHECK_ALIGNED(c, MALLOC_ALIGN, "calloc(1, %zu) = %p", n, c);

		void *r = realloc(NULL, n);
		touch(r, n, "realloc(NULL)", 0);
		CHECK_ALIGNED(r, MALLOC_ALIGN, "realloc(NULL, %zu) = %p", n, r);

		/* realloc of a live block to every size, growing and shrinking */
		void *q = realloc(prev, n ? n : 1);
		touch(q, n ? n : 1, "realloc", 0);
		CHECK_ALIGNED(q, MALLOC_ALIGN, "realloc(old, %zu) = %p", n, q);
		prev = q;

		free(p);
		free(c);
		free(r);
	}
	free(prev);
}

static void test_aligned(void)
{
	for (size_t align = 16; align <= 64 * 1024; align *= 2) {
		for (size_t i = 0; i < nsizes; i++) {
			size_t n = sizes[i];
			/* large alignments: sparser sizes to bound run time */
			if (align >= 4096 && n > 4096 && (i % 4) != 0)
				continue;
			void *p = memalign(align, n);
			touch(p, n, "memalign", align);
			CHECK_ALIGNED(p, align, "memalign(%zu, %zu) = %p",
				      align, n, p);
			CHECK(malloc_usable_size(p) >= n,
			      "memalign(%zu, %zu) usable %zu", align, n,
			      malloc_usable_size(p));

			void *q = NULL;
			int rc = posix_memalign(&q, align, n);
			CHECK(rc == 0, "posix_memalign(%zu, %zu) = %d", align,
			      n, rc);
			touch(q, n, "posix_memalign", align);
			CHECK_ALIGNED(q, align, "posix_memalign(%zu, %zu) = %p",
				      align, n, q);

			void *a = aligned_alloc(align, n);
			touch(a, n, "aligned_alloc", align);
			CHECK_ALIGNED(a, align, "aligned_alloc(%zu, %zu) = %p",
				      align, n, a);

			free(p);
			free(q);
			free(a);
		}
	}
}

static void test_page(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < nsizes; i += 3) {
		size_t n = sizes[i];
		void *v = valloc(n);
		touch(v, n, "valloc", page);
		CHECK_ALIGNED(v, page, "valloc(%zu) = %p", n, v);
		CHECK(malloc_usable_size(v) >= n, "valloc(%zu) usable %zu", n,
		      malloc_usable_size(v));

		void *pv = pvalloc(n);
		/* glibc 2.36 returns a page-aligned block even for 0 bytes
		 * but only guarantees a usable page for non-zero sizes */
		size_t rounded = (n + page - 1) & ~(page - 1);
		if (rounded == 0)
			rounded = 1;
		touch(pv, rounded, "pvalloc", page);
		CHECK_ALIGNED(pv, page, "pvalloc(%zu) = %p", n, pv);
		CHECK(malloc_usable_size(pv) >= rounded,
		      "pvalloc(%zu) usable %zu < %zu", n,
		      malloc_usable_size(pv), rounded);
		free(v);
		free(pv);
	}
}

/* Alignment must hold while many blocks are live at once (no reuse). */
static void test_live_set(void)
{
	enum { N = 4000 };
	static void *live[N];
	uint64_t rng = 0x1234567;
	for (int i = 0; i < N; i++) {
		size_t n = hgtest_rand(&rng) % 70000;
		size_t align = (size_t)16 << (hgtest_rand(&rng) % 13);
		if (i % 2)
			live[i] = malloc(n);
		else
			live[i] = memalign(align, n);
		touch(live[i], n, "live-set", align);
		CHECK_ALIGNED(live[i], (i % 2) ? 16 : align,
			      "live set #%d size %zu align %zu = %p", i, n,
			      align, live[i]);
	}
	for (int i = 0; i < N; i++)
		free(live[i]);
}

int main(void)
{
	hgtest_timeout(120);
	build_sizes();
	test_plain();
	test_aligned();
	test_page();
	test_live_set();
	/* again with a fixed threshold: every block above 128 KiB is mmap'd
	 * (glibc raises its dynamic threshold after the first frees) */
	CHECK(mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1, "M_MMAP_THRESHOLD");
	test_plain();
	test_aligned();
	printf("PASS: %zu sizes, alignments 16..65536\n", nsizes);
	return 0;
}
