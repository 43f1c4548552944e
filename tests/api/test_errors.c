/* SPDX-License-Identifier: MIT */
/* Error returns and errno as glibc 2.36 gives them: impossible sizes are
 * NULL/ENOMEM; memalign rounds a non-power-of-two alignment up to the next
 * power of two; posix_memalign reports EINVAL by return value without
 * writing *memptr or errno; alignments above SIZE_MAX/2+1 are EINVAL. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

static size_t next_pow2(size_t a)
{
	size_t p = 1;
	while (p < a)
		p <<= 1;
	return p;
}

static void expect_enomem(void *p, const char *what)
{
	int e = errno;
	CHECK(p == NULL, "%s returned %p, expected NULL", what, p);
	CHECK(e == ENOMEM, "%s errno %d (%s), expected ENOMEM", what, e,
	      strerror(e));
}

static void test_huge_sizes(void)
{
	static const size_t huge[] = { SIZE_MAX,      SIZE_MAX - 1,
				       SIZE_MAX - 4096, PTRDIFF_MAX,
				       (size_t)PTRDIFF_MAX + 1,
				       PTRDIFF_MAX - 4096 };
	char what[96];
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		size_t n = hgtest_opaque(huge[i]);
		errno = 0;
		snprintf(what, sizeof(what), "malloc(%zu)", n);
		expect_enomem(malloc(n), what);
		errno = 0;
		snprintf(what, sizeof(what), "realloc(NULL, %zu)", n);
		expect_enomem(realloc(NULL, n), what);
		errno = 0;
		snprintf(what, sizeof(what), "memalign(64, %zu)", n);
		expect_enomem(memalign(64, n), what);
		errno = 0;
		snprintf(what, sizeof(what), "aligned_alloc(4096, %zu)", n);
		expect_enomem(aligned_alloc(4096, n), what);
		errno = 0;
		snprintf(what, sizeof(what), "valloc(%zu)", n);
		expect_enomem(valloc(n), what);
		errno = 0;
		snprintf(what, sizeof(what), "pvalloc(%zu)", n);
		expect_enomem(pvalloc(n), what);
		void *p = (void *)0x1234;
		errno = 4321;
		int rc = posix_memalign(&p, 64, n);
		CHECK(rc == ENOMEM, "posix_memalign(64, %zu) = %d", n, rc);
		CHECK(p == (void *)0x1234, "posix_memalign wrote *memptr on "
					   "failure");
		(void)errno; /* glibc may set errno to ENOMEM here; no check */
	}
	/* the heap still works after all those failures */
	void *ok = malloc(100);
	CHECK(ok != NULL, "malloc after failures");
	free(ok);
}

static void test_memalign_rounding(void)
{
	static const size_t odd[] = { 3,  5,  17, 24,  48,  100,
				      1000, 3000, 4097, 12345, 40000 };
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		size_t a = odd[i], want = next_pow2(a);
		if (want < 16)
			want = 16;
		void *p = memalign(a, 100);
		CHECK(p != NULL, "memalign(%zu, 100)", a);
		CHECK_ALIGNED(p, want, "memalign(%zu) = %p not %zu-aligned", a,
			      p, want);
		free(p);
		/* glibc 2.36's aligned_alloc is memalign */
		p = aligned_alloc(a, 100);
		CHECK(p != NULL, "aligned_alloc(%zu, 100)", a);
		CHECK_ALIGNED(p, want, "aligned_alloc(%zu) = %p", a, p);
		free(p);
	}
	/* alignments below the minimum give the minimum */
	for (size_t a = 0; a <= 16; a++) {
		void *p = memalign(a, 33);
		CHECK(p != NULL, "memalign(%zu, 33)", a);
		CHECK_ALIGNED(p, 16, "memalign(%zu) = %p", a, p);
		free(p);
	}
}

static void test_posix_memalign_einval(void)
{
	static const size_t bad[] = { 0, 1, 2, 4, 12, 24, 48, 96, 3 * 4096,
				      SIZE_MAX, (SIZE_MAX / 2) + 2 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *p = (void *)0x5678;
		errno = 777;
		int rc = posix_memalign(&p, hgtest_opaque(bad[i]), 64);
		CHECK(rc == EINVAL, "posix_memalign(align %zu) = %d, want "
				    "EINVAL", bad[i], rc);
		CHECK(errno == 777, "posix_memalign(align %zu) changed errno "
				    "to %d", bad[i], errno);
		CHECK(p == (void *)0x5678, "posix_memalign(align %zu) wrote "
					   "*memptr", bad[i]);
	}
	/* sizeof(void *) itself is valid, as is any larger power of two */
	for (size_t a = sizeof(void *); a <= (1 << 20); a <<= 1) {
		void *p = NULL;
		errno = 777;
		int rc = posix_memalign(&p, a, 10);
		CHECK(rc == 0 && p != NULL, "posix_memalign(%zu) = %d", a, rc);
		CHECK(errno == 777, "posix_memalign(%zu) success changed errno",
		      a);
		CHECK_ALIGNED(p, a, "posix_memalign(%zu) = %p", a, p);
		free(p);
	}
	void *p = NULL;
	CHECK(posix_memalign(&p, 64, 0) == 0, "posix_memalign(64, 0)");
	free(p);
}

static void test_huge_alignment(void)
{
	static const size_t bad[] = { SIZE_MAX, SIZE_MAX / 2 + 2,
				      SIZE_MAX - 4095 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t a = hgtest_opaque(bad[i]);
		errno = 0;
		void *p = aligned_alloc(a, 16);
		CHECK(p == NULL && errno == EINVAL,
		      "aligned_alloc(%zu, 16) = %p errno %d, want EINVAL", a, p,
		      errno);
		errno = 0;
		p = memalign(a, 16);
		CHECK(p == NULL && errno == EINVAL,
		      "memalign(%zu, 16) = %p errno %d, want EINVAL", a, p,
		      errno);
	}
	/* exactly SIZE_MAX/2+1 is a power of two but can never be satisfied */
	errno = 0;
	void *p = memalign(hgtest_opaque(SIZE_MAX / 2 + 1), 16);
	CHECK(p == NULL, "memalign(2^63) = %p", p);
}

int main(void)
{
	hgtest_timeout(60);
	test_huge_sizes();
	test_memalign_rounding();
	test_posix_memalign_einval();
	test_huge_alignment();
	printf("PASS: errors\n");
	return 0;
}
