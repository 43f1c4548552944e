/* SPDX-License-Identifier: MIT */
/* calloc returns zeroed memory even when it recycles a chunk the program
 * dirtied (0xAA) before freeing it: tcache/fastbin-sized chunks, chunks
 * merged by consolidation and served from the bins, the top chunk, and
 * mmap'd chunks. Overflowing nmemb * size gives NULL with errno ENOMEM.
 * The checks run once plainly and once re-executed with MALLOC_PERTURB_. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

static void check_zero(const unsigned char *p, size_t n, const char *what)
{
	CHECK(p != NULL, "%s: calloc(%zu) NULL", what, n);
	for (size_t i = 0; i < n; i++)
		CHECK(p[i] == 0, "%s: calloc(%zu) byte %zu = %#x", what, n, i,
		      p[i]);
}

static void dirty_free(void *p, size_t n)
{
	memset(p, 0xaa, n);
	free(p);
}

static void test_small_recycled(void)
{
	for (size_t n = 1; n <= 1100; n += 3) {
		void *blk[12];
		for (int i = 0; i < 12; i++) {
			blk[i] = malloc(n);
			CHECK(blk[i] != NULL, "malloc(%zu)", n);
		}
		for (int i = 0; i < 12; i++)
			dirty_free(blk[i], malloc_usable_size(blk[i]));
		for (int i = 0; i < 12; i++) {
			blk[i] = calloc(1, n);
			check_zero(blk[i], n, "small recycled");
		}
		for (int i = 0; i < 12; i++)
			free(blk[i]);
	}
}

/* Many adjacent chunks freed (beyond what tcache holds) merge into one big
 * free chunk; a big calloc then comes from the bins, not the top. */
static void test_consolidated(void)
{
	enum { N = 400 };
	static void *blk[N];
	static const size_t sizes[] = { 24, 100, 520, 1000, 3000 };
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (int i = 0; i < N; i++)
			blk[i] = malloc(sizes[s]);
		void *pin = malloc(16); /* keep the run away from top */
		for (int i = 0; i < N; i++)
			dirty_free(blk[i], sizes[s]);
		malloc_trim(0);
		for (int i = 0; i < 4; i++) {
			size_t n = sizes[s] * N / 4;
			blk[i] = calloc(n / 8, 8);
			check_zero(blk[i], n / 8 * 8, "consolidated");
		}
		for (int i = 0; i < 4; i++)
			dirty_free(blk[i], sizes[s] * N / 4 / 8 * 8);
		free(pin);
	}
}

static void test_mmapped(void)
{
	static const size_t sizes[] = { 200 * 1024, 1 << 20, 3 << 20,
					200 * 1024, 5 << 20, 1 << 20 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = malloc(sizes[i]);
		CHECK(p != NULL, "malloc(%zu)", sizes[i]);
		dirty_free(p, sizes[i]);
		unsigned char *c = calloc(sizes[i], 1);
		check_zero(c, sizes[i], "big recycled");
		dirty_free(c, sizes[i]);
	}
}

static void test_random(void)
{
	uint64_t rng = 5;
	enum { N = 256 };
	static unsigned char *blk[N];
	static size_t len[N];
	for (int step = 0; step < 30000; step++) {
		int i = (int)(hgtest_rand(&rng) % N);
		if (blk[i]) {
			dirty_free(blk[i], len[i]);
			blk[i] = NULL;
		}
		uint64_t r = hgtest_rand(&rng);
		size_t n = (r % 10 == 0) ? r % 200000 : r % 2000;
		size_t m = 1 + (r >> 32) % 4;
		blk[i] = calloc(m, n);
		len[i] = m * n;
		if (step % 16 == 0)
			check_zero(blk[i], len[i], "random");
		else
			CHECK(blk[i] != NULL && (len[i] == 0 ||
						 (blk[i][0] == 0 &&
						  blk[i][len[i] - 1] == 0)),
			      "random calloc(%zu, %zu) not zeroed", m, n);
	}
	for (int i = 0; i < N; i++)
		free(blk[i]);
}

static void test_overflow(void)
{
	static const size_t pairs[][2] = {
		{ SIZE_MAX, 2 },
		{ SIZE_MAX / 2 + 1, 2 },
		{ (size_t)1 << 32, (size_t)1 << 32 },
		{ 3, SIZE_MAX / 3 + 1 },
		{ SIZE_MAX, SIZE_MAX },
		{ PTRDIFF_MAX, 1 },
		{ 1, SIZE_MAX },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		errno = 0;
		void *p = calloc(hgtest_opaque(pairs[i][0]),
				 hgtest_opaque(pairs[i][1]));
		CHECK(p == NULL && errno == ENOMEM,
		      "calloc(%zu, %zu) = %p errno %d", pairs[i][0],
		      pairs[i][1], p, errno);
		errno = 0;
		p = reallocarray(NULL, hgtest_opaque(pairs[i][0]),
				 hgtest_opaque(pairs[i][1]));
		CHECK(p == NULL && errno == ENOMEM,
		      "reallocarray(NULL, %zu, %zu) = %p errno %d",
		      pairs[i][0], pairs[i][1], p, errno);
	}
	void *a = calloc(0, 10), *b = calloc(10, 0), *c = calloc(0, 0);
	CHECK(a && b && c, "calloc with a zero factor must succeed as glibc");
	free(a);
	free(b);
	free(c);
}

int main(int argc, char **argv)
{
	hgtest_timeout(60);
	test_overflow();
	test_small_recycled();
	test_consolidated();
	test_mmapped();
	test_random();
	if (argc < 2) {
		/* again with glibc's perturb byte poisoning freed memory */
		setenv("MALLOC_PERTURB_", "170", 1);
		fflush(stdout);
		execl("/proc/self/exe", argv[0], "perturbed", (char *)NULL);
		CHECK(0, "re-exec with MALLOC_PERTURB_ failed: %s",
		      strerror(errno));
	}
	printf("PASS: calloc%s\n", argc > 1 ? " (MALLOC_PERTURB_=170)" : "");
	return 0;
}
