/* SPDX-License-Identifier: MIT */
/* errno as glibc 2.36 leaves it (heapguard(3), ERRORS): a failed
 * posix_memalign sets errno to ENOMEM as well as returning it, and returns
 * EINVAL for a bad alignment without touching errno; calloc, realloc and
 * reallocarray overflows set ENOMEM; free never changes errno, whatever it
 * does: unmap a block mmap'd on its own, put a block in level=full's
 * quarantine, print a diagnostic under check=1, or fail to write a report
 * report_signal asked for (malloc neither).  Each case runs in a
 * child re-executed with its own HEAPGUARD_OPTIONS. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "../lib/hgtest.h"

#define KEEP 4321 /* an errno value no allocator would set */

/* Called through pointers the compiler cannot see through: GCC knows what
 * posix_memalign and free may write and would otherwise fold the errno
 * read after them into the value stored before. */
static int (*volatile posix_memalign_)(void **, size_t, size_t) = posix_memalign;
static void (*volatile free_)(void *) = free;
static void *(*volatile calloc_)(size_t, size_t) = calloc;
static void *(*volatile realloc_)(void *, size_t) = realloc;
static void *(*volatile reallocarray_)(void *, size_t, size_t) = reallocarray;

static void test_posix_memalign(void)
{
	void *p = (void *)0x1234;
	errno = 0;
	int rc = posix_memalign_(&p, 64, hgtest_opaque(SIZE_MAX - 4096));
	int e = errno;
	CHECK(rc == ENOMEM, "posix_memalign(64, huge) = %d, expected ENOMEM", rc);
	CHECK(e == ENOMEM, "posix_memalign(64, huge) left errno %d, expected ENOMEM", e);
	CHECK(p == (void *)0x1234, "posix_memalign wrote *memptr on failure");
	errno = KEEP;
	rc = posix_memalign_(&p, hgtest_opaque(24), 100);
	e = errno;
	CHECK(rc == EINVAL, "posix_memalign(24, 100) = %d, expected EINVAL", rc);
	CHECK(e == KEEP, "posix_memalign(24, 100) changed errno to %d", e);
	errno = KEEP;
	rc = posix_memalign_(&p, 64, 100);
	e = errno;
	CHECK(rc == 0 && p != NULL, "posix_memalign(64, 100) = %d", rc);
	CHECK(e == KEEP, "a successful posix_memalign changed errno to %d", e);
	free(p);
}

static void test_overflows(void)
{
	errno = 0;
	void *p = calloc_(hgtest_opaque(SIZE_MAX / 2), 3);
	CHECK(p == NULL && errno == ENOMEM, "calloc overflow: %p, errno %d", p, errno);
	char *old = malloc(32);
	CHECK(old != NULL, "malloc(32)");
	memset(old, 'o', 32);
	errno = 0;
	p = realloc_(old, hgtest_opaque(SIZE_MAX - 8));
	CHECK(p == NULL && errno == ENOMEM, "realloc(SIZE_MAX - 8): %p, errno %d", p, errno);
	errno = 0;
	p = reallocarray_(old, hgtest_opaque(SIZE_MAX / 4), 8);
	CHECK(p == NULL && errno == ENOMEM, "reallocarray overflow: %p, errno %d", p, errno);
	CHECK(old[0] == 'o' && old[31] == 'o', "the old block changed after a failed realloc");
	free(old);
}

/* free of each kind of block, errno set before: it must be there after. */
static void test_free_keeps_errno(void)
{
	static const size_t sizes[] = { 24, 200, 5000, 200000, 8u << 20 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *p = malloc(sizes[i]);
		CHECK(p != NULL, "malloc(%zu)", sizes[i]);
		p[0] = 1;
		errno = KEEP;
		free_(p);
		CHECK(errno == KEEP, "free of a %zu-byte block set errno to %d (%s)", sizes[i],
		      errno, strerror(errno));
	}
	errno = KEEP;
	free_(NULL);
	CHECK(errno == KEEP, "free(NULL) set errno to %d", errno);
}

/* Under check=1 a double free is reported and the program continues: the
 * report must not leave its traces in errno either. */
static void test_free_reporting_keeps_errno(void)
{
	char *p = malloc(100);
	free_(p);
	errno = KEEP;
	free_(p); /* reported, then ignored */
	CHECK(errno == KEEP, "free that reported a double free set errno to %d (%s)", errno,
	      strerror(errno));
}

/* A report asked for by report_signal is written by the next malloc or
 * free: one that cannot be written (no such directory) must not leave its
 * reason in errno.  On plain glibc the signal would kill the process. */
static void test_polled_report_keeps_errno(void)
{
	for (int i = 0; i < 2; i++) {
		char *p = malloc(100);
		CHECK(p != NULL, "malloc(100)");
		raise(SIGUSR2);
		errno = KEEP;
		if (i == 0) {
			free_(p);
			CHECK(errno == KEEP, "free that wrote a polled report set errno to %d (%s)",
			      errno, strerror(errno));
		} else {
			void *q = malloc(200);
			CHECK(q != NULL && errno == KEEP,
			      "malloc that wrote a polled report set errno to %d (%s)", errno,
			      strerror(errno));
			free(q);
			free(p);
		}
	}
}

#define NO_REPORT_DIR "report=/nonexistent-heapguard-test-dir/r:report_signal=USR2"

static const struct {
	const char *name;
	const char *options;
	void (*run)(void);
	int heapguard_only; /* the case is a misuse, or kills plain glibc */
} cases[] = {
	{ "posix_memalign", "level=full", test_posix_memalign, 0 },
	{ "overflows-full", "level=full", test_overflows, 0 },
	{ "overflows-fast", "level=fast", test_overflows, 0 },
	{ "free-full", "level=full", test_free_keeps_errno, 0 },
	{ "free-full-noquarantine", "level=full:quarantine=0", test_free_keeps_errno, 0 },
	{ "free-fast", "level=fast", test_free_keeps_errno, 0 },
	{ "free-check1", "level=full:check=1:leaks=0:frag=0", test_free_reporting_keeps_errno, 1 },
	{ "free-check1-fast", "level=fast:check=1:leaks=0:frag=0", test_free_reporting_keeps_errno, 1 },
	{ "polled-report-full", "level=full:" NO_REPORT_DIR, test_polled_report_keeps_errno, 1 },
	{ "polled-report-fast", "level=fast:" NO_REPORT_DIR, test_polled_report_keeps_errno, 1 },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

int main(int argc, char **argv)
{
	hgtest_timeout(60);
	if (argc == 2) {
		for (size_t i = 0; i < NCASES; i++)
			if (strcmp(argv[1], cases[i].name) == 0) {
				cases[i].run();
				return 0;
			}
		return 99;
	}
	for (size_t i = 0; i < NCASES; i++) {
		if (!hgtest_under_heapguard() && cases[i].heapguard_only)
			continue;
		pid_t pid = fork();
		CHECK(pid >= 0, "fork");
		if (pid == 0) {
			setenv("HEAPGUARD_OPTIONS", cases[i].options, 1);
			execl("/proc/self/exe", argv[0], cases[i].name, (char *)NULL);
			_exit(127);
		}
		int status;
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "case %s (HEAPGUARD_OPTIONS=%s) failed: status 0x%x", cases[i].name,
		      cases[i].options, status);
	}
	return 0;
}
