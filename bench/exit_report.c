/* SPDX-License-Identifier: MIT */
/* The exit-report workload: 1,000,000 blocks live at exit, allocated from
 * 10,000 distinct call stacks (four levels of ten call sites), half still
 * reachable from a table and half lost.  It prints the monotonic time at
 * which main returns; the harness subtracts it from the time the process
 * was reaped, which is what writing the reports at exit costs.
 * With a second argument, "checkpoint", it also makes a leak checkpoint
 * (heapguard_checkpoint, looked up at run time) of that heap just before
 * and prints its wall and processor time.
 * Usage: exit_report [blocks per stack] [checkpoint] */
#include <dlfcn.h>
#include <string.h>

#include "bench.h"

static char **table;
static size_t filled;

/* -O0: the ten calls must stay ten call sites, each its own return address. */
__attribute__((noinline, optimize("O0"))) static void grow(int depth, unsigned code, long count)
{
	if (depth == 0) {
		for (long i = 0; i < count; i++)
			table[filled++] = bench_check(malloc(16 + (code % 8) * 16));
		return;
	}
	unsigned next = code / 10;
	switch (code % 10) {
	case 0: grow(depth - 1, next, count); break;
	case 1: grow(depth - 1, next, count); break;
	case 2: grow(depth - 1, next, count); break;
	case 3: grow(depth - 1, next, count); break;
	case 4: grow(depth - 1, next, count); break;
	case 5: grow(depth - 1, next, count); break;
	case 6: grow(depth - 1, next, count); break;
	case 7: grow(depth - 1, next, count); break;
	case 8: grow(depth - 1, next, count); break;
	default: grow(depth - 1, next, count); break;
	}
}

int main(int argc, char **argv)
{
	long per_stack = bench_arg(argc, argv, 1, 100);
	const unsigned stacks = 10 * 10 * 10 * 10;
	table = bench_check(malloc(stacks * (size_t)per_stack * sizeof(*table)));
	uint64_t start = bench_now_ns();
	for (unsigned code = 0; code < stacks; code++)
		grow(4, code, per_stack);
	/* Every other block becomes lost: both kinds are in the report. */
	for (size_t i = 1; i < filled; i += 2)
		table[i] = NULL;
	bench_report((long)filled, start);
	int (*checkpoint)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "heapguard_checkpoint");
	if (argc > 2 && strcmp(argv[2], "checkpoint") == 0 && checkpoint != NULL) {
		struct timespec a, b;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
		uint64_t t = bench_now_ns();
		if (checkpoint() < 0)
			perror("heapguard_checkpoint");
		t = bench_now_ns() - t;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
		printf("bench: checkpoint_ms=%.1f cpu_ms=%.1f\n", (double)t / 1e6,
		       (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	}
	printf("bench: exit_at=%llu\n", (unsigned long long)bench_now_ns());
	fflush(stdout);
	return 0;
}
