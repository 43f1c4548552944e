/* SPDX-License-Identifier: MIT */
/* mallopt as glibc 2.36: return values for valid, invalid and unknown
 * parameters, and the effect of M_MMAP_THRESHOLD and M_MMAP_MAX on where
 * a block comes from (visible as mallinfo2().hblks). */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

static size_t hblks(void)
{
	return mallinfo2().hblks;
}

/* Is a fresh block of n bytes mmap'd? glibc consults the threshold only
 * when the top chunk is too small, so shrink the top first. */
static int comes_from_mmap(size_t n)
{
	malloc_trim(0);
	size_t before = hblks();
	char *volatile p = malloc(n);
	CHECK(p != NULL, "malloc(%zu)", n);
	p[0] = 1;
	size_t after = hblks();
	free(p);
	return after > before;
}

static void test_return_values(void)
{
	CHECK(mallopt(M_MXFAST, 0) == 1, "M_MXFAST 0");
	CHECK(mallopt(M_MXFAST, 64) == 1, "M_MXFAST 64");
	CHECK(mallopt(M_MXFAST, 160) == 1, "M_MXFAST 160 (the maximum)");
	CHECK(mallopt(M_MXFAST, 161) == 0, "M_MXFAST 161 must be refused");
	CHECK(mallopt(M_MXFAST, 4096) == 0, "M_MXFAST 4096 must be refused");
	CHECK(mallopt(M_MXFAST, -1) == 0, "M_MXFAST -1 must be refused");
	CHECK(mallopt(M_MXFAST, 128) == 1, "M_MXFAST 128 (default)");
	CHECK(mallopt(M_TRIM_THRESHOLD, 256 * 1024) == 1, "M_TRIM_THRESHOLD");
	CHECK(mallopt(M_TOP_PAD, 64 * 1024) == 1, "M_TOP_PAD");
	CHECK(mallopt(M_MMAP_MAX, 65536) == 1, "M_MMAP_MAX");
	CHECK(mallopt(M_ARENA_TEST, 8) == 1, "M_ARENA_TEST");
	CHECK(mallopt(M_ARENA_MAX, 0) == 1, "M_ARENA_MAX 0");
	CHECK(mallopt(M_PERTURB, 0) == 1, "M_PERTURB");
	CHECK(mallopt(M_CHECK_ACTION, 3) == 1, "M_CHECK_ACTION");
	/* glibc 2.36 has no default case: unknown parameters "succeed" */
	CHECK(mallopt(12345, 1) == 1, "unknown parameter 12345");
	CHECK(mallopt(-100, 1) == 1, "unknown parameter -100");
	/* glibc 2.36 no longer bounds M_MMAP_THRESHOLD in mallopt (the
	 * 32 MiB limit only applies to the tunable); it returns 1 */
	CHECK(mallopt(M_MMAP_THRESHOLD, 64 << 20) == 1,
	      "M_MMAP_THRESHOLD 64 MiB returns 1 in glibc 2.36");
	CHECK(mallopt(M_MMAP_THRESHOLD, 128 * 1024) == 1,
	      "M_MMAP_THRESHOLD 128 KiB");
}

static void test_threshold_effect(void)
{
	CHECK(mallopt(M_TOP_PAD, 0) == 1, "M_TOP_PAD 0");
	CHECK(mallopt(M_MMAP_THRESHOLD, 32 * 1024) == 1,
	      "M_MMAP_THRESHOLD 32 KiB");
	CHECK(comes_from_mmap(64 * 1024),
	      "64 KiB block not mmap'd with a 32 KiB threshold");
	CHECK(!comes_from_mmap(16 * 1024),
	      "16 KiB block mmap'd with a 32 KiB threshold");
	CHECK(mallopt(M_MMAP_THRESHOLD, 256 * 1024) == 1,
	      "M_MMAP_THRESHOLD 256 KiB");
	CHECK(!comes_from_mmap(64 * 1024),
	      "64 KiB block mmap'd with a 256 KiB threshold");
	CHECK(comes_from_mmap(1024 * 1024),
	      "1 MiB block not mmap'd with a 256 KiB threshold");
	/* a fixed threshold is not raised by freeing mmap'd chunks */
	for (int i = 0; i < 3; i++)
		CHECK(comes_from_mmap(512 * 1024),
		      "512 KiB block not mmap'd on round %d (the threshold "
		      "must stay fixed after mallopt)", i);

	/* M_MMAP_MAX 0 forbids mmap'd chunks altogether */
	CHECK(mallopt(M_MMAP_MAX, 0) == 1, "M_MMAP_MAX 0");
	CHECK(!comes_from_mmap(4 << 20), "4 MiB mmap'd with M_MMAP_MAX 0");
	CHECK(mallopt(M_MMAP_MAX, 65536) == 1, "M_MMAP_MAX 65536");
	CHECK(comes_from_mmap(4 << 20), "4 MiB not mmap'd after restoring "
					"M_MMAP_MAX");
}

/* M_PERTURB: freed memory is filled with the byte, fresh memory with its
 * complement (except calloc); check only the observable allocation side. */
static void test_perturb(void)
{
	CHECK(mallopt(M_PERTURB, 0x5a) == 1, "M_PERTURB 0x5a");
	unsigned char *p = malloc(200);
	CHECK(p != NULL, "malloc");
	for (int i = 0; i < 200; i++)
		CHECK(p[i] == (0x5a ^ 0xff), "perturbed malloc byte %d = %#x",
		      i, p[i]);
	free(p);
	unsigned char *c = calloc(1, 200);
	CHECK(c != NULL, "calloc");
	for (int i = 0; i < 200; i++)
		CHECK(c[i] == 0, "perturbed calloc byte %d = %#x", i, c[i]);
	free(c);
	CHECK(mallopt(M_PERTURB, 0) == 1, "M_PERTURB 0");
}

int main(void)
{
	hgtest_timeout(60);
	test_return_values();
	test_threshold_effect();
	test_perturb();
	printf("PASS: mallopt\n");
	return 0;
}
