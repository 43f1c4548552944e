/* SPDX-License-Identifier: MIT */
/* mallinfo2 totals follow what is live: arena == uordblks + fordblks,
 * uordblks grows by at least N*size for N live blocks and comes back after
 * they are freed, hblks/hblkhd count the mmap'd chunks above the threshold.
 * The deprecated mallinfo agrees with mallinfo2 while values fit an int. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

#define SLACK (256 * 1024) /* tcache/fastbin residue, rounding */

static struct mallinfo2 snap(void)
{
	struct mallinfo2 m = mallinfo2();
	CHECK(m.arena == m.uordblks + m.fordblks,
	      "arena %zu != uordblks %zu + fordblks %zu", m.arena, m.uordblks,
	      m.fordblks);
	CHECK(m.keepcost <= m.fordblks, "keepcost %zu > fordblks %zu",
	      m.keepcost, m.fordblks);
	return m;
}

/* Runs first: the dynamic mmap threshold is still at its 128 KiB start. */
static void test_mmapped_counts(void)
{
	enum { N = 6 };
	void *blk[N];
	struct mallinfo2 m0 = snap();
	for (int i = 0; i < N; i++) {
		blk[i] = malloc((size_t)(1 + i) << 20);
		CHECK(blk[i] != NULL, "malloc(%d MiB)", 1 + i);
		memset(blk[i], 1, 4096);
	}
	struct mallinfo2 m1 = snap();
	CHECK(m1.hblks == m0.hblks + N, "hblks %zu -> %zu after %d mmap'd "
					"blocks", m0.hblks, m1.hblks, N);
	size_t want = (size_t)(N * (N + 1) / 2) << 20;
	CHECK(m1.hblkhd >= m0.hblkhd + want,
	      "hblkhd %zu -> %zu, expected growth >= %zu", m0.hblkhd,
	      m1.hblkhd, want);
	CHECK(m1.hblkhd <= m0.hblkhd + want + N * 65536,
	      "hblkhd grew too much: %zu -> %zu", m0.hblkhd, m1.hblkhd);
	for (int i = 0; i < N; i++)
		free(blk[i]);
	struct mallinfo2 m2 = snap();
	CHECK(m2.hblks == m0.hblks && m2.hblkhd == m0.hblkhd,
	      "after free hblks %zu hblkhd %zu, expected %zu %zu", m2.hblks,
	      m2.hblkhd, m0.hblks, m0.hblkhd);
}

static void test_in_use(size_t size, int n)
{
	void **blk = malloc(sizeof(void *) * (size_t)n);
	CHECK(blk != NULL, "malloc");
	struct mallinfo2 m0 = snap();
	for (int i = 0; i < n; i++) {
		blk[i] = malloc(size);
		CHECK(blk[i] != NULL, "malloc(%zu)", size);
		memset(blk[i], 0x33, size);
	}
	struct mallinfo2 m1 = snap();
	size_t live = size * (size_t)n;
	CHECK(m1.uordblks >= m0.uordblks + live,
	      "%d x %zu live: uordblks %zu -> %zu (< +%zu)", n, size,
	      m0.uordblks, m1.uordblks, live);
	CHECK(m1.uordblks <= m0.uordblks + live * 2 + SLACK + n * 64,
	      "%d x %zu live: uordblks %zu -> %zu grew absurdly", n, size,
	      m0.uordblks, m1.uordblks);
	CHECK(m1.arena >= m1.uordblks, "arena < uordblks");
	for (int i = 0; i < n; i++)
		free(blk[i]);
	struct mallinfo2 m2 = snap();
	CHECK(m2.uordblks <= m0.uordblks + SLACK,
	      "after freeing %d x %zu: uordblks %zu, was %zu", n, size,
	      m2.uordblks, m0.uordblks);
	free(blk);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void test_legacy(void)
{
	struct mallinfo2 m2 = mallinfo2();
	struct mallinfo m = mallinfo();
	CHECK((size_t)m.arena == m2.arena, "mallinfo arena %d vs %zu",
	      m.arena, m2.arena);
	CHECK((size_t)m.hblks == m2.hblks, "mallinfo hblks %d vs %zu",
	      m.hblks, m2.hblks);
	CHECK((size_t)m.uordblks == m2.uordblks, "mallinfo uordblks");
	CHECK((size_t)m.fordblks == m2.fordblks, "mallinfo fordblks");
}
#pragma GCC diagnostic pop

int main(void)
{
	hgtest_timeout(60);
	test_mmapped_counts();
	test_in_use(24, 20000);
	test_in_use(100, 10000);
	test_in_use(1000, 5000);
	test_in_use(20000, 300);
	test_in_use(100000, 50);
	test_legacy();
	printf("PASS: mallinfo2\n");
	return 0;
}
