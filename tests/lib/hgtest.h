/* SPDX-License-Identifier: MIT */
/* Tiny assertion and utility helpers shared by the integration tests in
 * tests/api, tests/threads and tests/sys. Header-only so that every test is a
 * single self-contained program; failures print `FAIL: <what> (file:line)`
 * and exit 1, skips exit 77 as automake's harness expects. */
#ifndef HGTEST_H
#define HGTEST_H

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HGTEST_SKIP 77

/* Report a failed expectation and stop the test. */
#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "FAIL: ");                             \
			fprintf(stderr, __VA_ARGS__);                          \
			fprintf(stderr, " [%s] (%s:%d)\n", #cond, __FILE__,    \
				__LINE__);                                     \
			fflush(stderr);                                        \
			_exit(1);                                              \
		}                                                              \
	} while (0)

#define CHECK_ALIGNED(p, align, ...)                                           \
	CHECK(((uintptr_t)(p) & ((uintptr_t)(align) - 1)) == 0, __VA_ARGS__)

/* How many arenas the allocator reports (the <heap> elements of
 * malloc_info's XML, the same count under glibc and heapguard). */
static inline int hgtest_count_arenas(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(f != NULL, "open_memstream");
	CHECK(malloc_info(0, f) == 0, "malloc_info");
	fclose(f);
	int n = 0;
	for (char *p = buf; (p = strstr(p, "<heap nr=")) != NULL; p++)
		n++;
	free(buf);
	return n;
}

static inline void hgtest_skip(const char *why)
{
	printf("SKIP: %s\n", why);
	fflush(stdout);
	exit(HGTEST_SKIP);
}

static void hgtest_on_alarm(int sig)
{
	static const char msg[] = "FAIL: timed out (alarm), probable deadlock\n";
	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing else to do in a signal handler */
	}
	_exit(1);
}

/* Turn a hang into a failure after `seconds`. */
static inline void hgtest_timeout(unsigned seconds)
{
	signal(SIGALRM, hgtest_on_alarm);
	alarm(seconds);
}

/* True when the harness runs us against the heapguard library. */
static inline int hgtest_under_heapguard(void)
{
	const char *lib = getenv("HEAPGUARD_LIB");
	return lib != NULL && *lib != '\0';
}

/* Resident set size of this process in bytes, from /proc/self/statm. */
static inline size_t hgtest_rss_bytes(void)
{
	unsigned long total = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &total, &resident) != 2)
		resident = 0;
	fclose(f);
	return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* Deterministic fill so that contents can be verified after moves. */
static inline unsigned char hgtest_pattern(size_t i, unsigned seed)
{
	return (unsigned char)((i * 131u + seed * 7u + (i >> 8)) & 0xff);
}

static inline void hgtest_fill(void *p, size_t n, unsigned seed)
{
	unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = hgtest_pattern(i, seed);
}

/* Index of the first byte that differs from the pattern, or n if none. */
static inline size_t hgtest_verify(const void *p, size_t n, unsigned seed)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != hgtest_pattern(i, seed))
			return i;
	return n;
}

/* Hide a constant from the compiler: keeps huge sizes from triggering
 * -Walloc-size-larger-than and keeps calls from being folded away. */
static inline size_t hgtest_opaque(size_t v)
{
	volatile size_t x = v;
	return x;
}

/* xorshift64*: reproducible pseudo-random sizes without libc state. */
static inline uint64_t hgtest_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 2685821657736338717ull;
}

#endif /* HGTEST_H */
