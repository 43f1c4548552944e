/* SPDX-License-Identifier: MIT */
/* realloc keeps the contents across grow, shrink and move, across the
 * heap <-> mmap boundary (100 B -> 200 KiB -> 50 B -> 5 MiB -> 0), and
 * follows glibc 2.36 for the edge cases: realloc(NULL, n) is malloc(n),
 * realloc(p, 0) frees p and returns NULL, free(NULL) does nothing,
 * reallocarray overflow gives NULL/ENOMEM and leaves the block alone. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

static unsigned char *grow(unsigned char *p, size_t old, size_t n,
			   unsigned seed)
{
	unsigned char *q = realloc(p, n);
	CHECK(q != NULL, "realloc(%zu -> %zu)", old, n);
	CHECK_ALIGNED(q, 16, "realloc(%zu -> %zu) = %p", old, n, (void *)q);
	size_t keep = old < n ? old : n;
	size_t bad = hgtest_verify(q, keep, seed);
	CHECK(bad == keep, "realloc %zu -> %zu lost byte %zu", old, n, bad);
	CHECK(malloc_usable_size(q) >= n, "usable %zu < %zu",
	      malloc_usable_size(q), n);
	hgtest_fill(q, n, seed);
	return q;
}

static void test_chain(void)
{
	static const size_t chain[] = {
		100,	     200 * 1024, 50,	      5 * 1024 * 1024, 1,
		128 * 1024,  131072 - 8, 131072 + 8, 64,	      4096,
		3 * 1024 * 1024, 1024 * 1024, 300 * 1024, 24, 1 << 22,
		17,	     1 << 16,	 1 << 17,    (1 << 17) + 1,  33,
	};
	unsigned char *p = malloc(chain[0]);
	CHECK(p != NULL, "malloc(%zu)", chain[0]);
	hgtest_fill(p, chain[0], 9);
	size_t old = chain[0];
	for (size_t i = 1; i < sizeof(chain) / sizeof(chain[0]); i++) {
		p = grow(p, old, chain[i], 9);
		old = chain[i];
	}
	errno = 0;
	void *z = realloc(p, 0);
	CHECK(z == NULL, "realloc(p, 0) returned %p, glibc frees and "
			 "returns NULL", z);
}

/* Force moves: a neighbour right behind the block stops in-place growth. */
static void test_moves(void)
{
	uint64_t rng = 7;
	for (int i = 0; i < 2000; i++) {
		size_t a = hgtest_rand(&rng) % 3000 + 1;
		size_t b = hgtest_rand(&rng) % 300000 + 1;
		unsigned char *p = malloc(a);
		void *fence = malloc(hgtest_rand(&rng) % 200 + 1);
		CHECK(p && fence, "malloc");
		hgtest_fill(p, a, (unsigned)i);
		p = grow(p, a, b, (unsigned)i);
		p = grow(p, b, a, (unsigned)i);
		p = grow(p, a, a, (unsigned)i);
		free(fence);
		free(p);
	}
}

/* Random walk of many live blocks through realloc only. */
static void test_random_walk(void)
{
	enum { N = 512 };
	static unsigned char *blk[N];
	static size_t len[N];
	uint64_t rng = 99;
	for (int step = 0; step < 40000; step++) {
		int i = (int)(hgtest_rand(&rng) % N);
		uint64_t r = hgtest_rand(&rng);
		size_t n;
		if (r % 100 < 2)
			n = 100000 + r % 600000;
		else if (r % 100 < 20)
			n = r % 16384;
		else
			n = r % 512;
		if (n == 0) {
			free(blk[i]);
			blk[i] = NULL;
			len[i] = 0;
			continue;
		}
		if (blk[i] == NULL) {
			blk[i] = realloc(NULL, n);
			CHECK(blk[i] != NULL, "realloc(NULL, %zu)", n);
			hgtest_fill(blk[i], n, (unsigned)i);
		} else {
			blk[i] = grow(blk[i], len[i], n, (unsigned)i);
		}
		len[i] = n;
	}
	for (int i = 0; i < N; i++) {
		size_t bad = hgtest_verify(blk[i], len[i], (unsigned)i);
		CHECK(bad == len[i], "final check block %d byte %zu", i, bad);
		free(blk[i]);
	}
}

static void test_edges(void)
{
	free(NULL);

	void *p = realloc(NULL, 40);
	CHECK(p != NULL, "realloc(NULL, 40) must act as malloc");
	CHECK(malloc_usable_size(p) >= 40, "realloc(NULL) usable");
	free(p);

	p = realloc(NULL, 0);
	CHECK(p != NULL, "realloc(NULL, 0) must act as malloc(0)");
	free(p);

	/* realloc(p, 0) frees and returns NULL (glibc 2.36); many times, so a
	 * leak would show as growth */
	size_t rss0 = hgtest_rss_bytes();
	for (int i = 0; i < 20000; i++) {
		p = malloc(4000);
		CHECK(p != NULL, "malloc");
		memset(p, 1, 4000);
		CHECK(realloc(p, 0) == NULL, "realloc(p, 0) != NULL");
	}
	size_t rss1 = hgtest_rss_bytes();
	CHECK(rss1 < rss0 + 16 * 1024 * 1024,
	      "realloc(p, 0) seems to leak: RSS %zu -> %zu", rss0, rss1);

	/* a big mmap'd block shrinking to 0 */
	p = malloc(8 << 20);
	CHECK(p != NULL, "malloc(8 MiB)");
	CHECK(realloc(p, 0) == NULL, "realloc(mmapped, 0) != NULL");

	/* failed realloc leaves the block intact */
	unsigned char *q = malloc(100);
	CHECK(q != NULL, "malloc");
	hgtest_fill(q, 100, 3);
	errno = 0;
	void *r = realloc(q, hgtest_opaque(SIZE_MAX - 64));
	CHECK(r == NULL && errno == ENOMEM,
	      "realloc(p, SIZE_MAX-64) = %p errno %d", r, errno);
	CHECK(hgtest_verify(q, 100, 3) == 100, "failed realloc damaged block");
	errno = 0;
	r = reallocarray(q, hgtest_opaque(SIZE_MAX / 2), 3);
	CHECK(r == NULL && errno == ENOMEM,
	      "reallocarray overflow = %p errno %d", r, errno);
	CHECK(hgtest_verify(q, 100, 3) == 100, "failed reallocarray damaged");
	q = reallocarray(q, 50, 4);
	CHECK(q != NULL, "reallocarray(q, 50, 4)");
	CHECK(hgtest_verify(q, 100, 3) == 100, "reallocarray lost contents");
	free(q);
	q = reallocarray(NULL, 10, 10);
	CHECK(q != NULL, "reallocarray(NULL, 10, 10)");
	free(q);
}

int main(void)
{
	hgtest_timeout(60);
	test_edges();
	test_chain();
	/* with a fixed 128 KiB threshold the chain crosses heap <-> mmap at
	 * every step above and below it */
	CHECK(mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1, "M_MMAP_THRESHOLD");
	test_chain();
	test_moves();
	test_random_walk();
	printf("PASS: realloc\n");
	return 0;
}
