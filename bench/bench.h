/* SPDX-License-Identifier: MIT */
/* Shared by the bench/ workloads: a fixed-seed random generator (runs are
 * the same program every time), a monotonic clock, and the one line each
 * workload prints for the harness:
 *   bench: operations=N ns=T      (N malloc+free pairs or reallocs in T ns)
 * The harness divides T by N for the per-operation cost. */
#ifndef HG_BENCH_H
#define HG_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t bench_random(uint64_t *state)
{
	uint64_t s = *state;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	*state = s;
	return s;
}

static inline uint64_t bench_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static inline long bench_arg(int argc, char **argv, int i, long fallback)
{
	return argc > i ? atol(argv[i]) : fallback;
}

static inline void bench_report(long operations, uint64_t start_ns)
{
	printf("bench: operations=%ld ns=%llu\n", operations,
	       (unsigned long long)(bench_now_ns() - start_ns));
	fflush(stdout);
}

/* A failed allocation ends the run: a workload that went on would measure
 * something else. */
static inline void *bench_check(void *p)
{
	if (p == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	return p;
}

#endif
