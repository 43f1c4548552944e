/* SPDX-License-Identifier: MIT */
/* Single-threaded churn of mixed sizes with random lifetimes: many small
 * (16..256 B), some medium (up to 8 KiB), few large (up to 512 KiB).
 * Each step frees a random slot if it is full, else fills it.
 * Usage: churn [steps] [live slots] */
#include <string.h>

#include "bench.h"

static size_t pick_size(uint64_t *rng)
{
	uint64_t r = bench_random(rng) % 1000;
	if (r < 800)
		return 16 + bench_random(rng) % 241;
	if (r < 990)
		return 256 + bench_random(rng) % 8000;
	return 8192 + bench_random(rng) % (512 * 1024);
}

int main(int argc, char **argv)
{
	long steps = bench_arg(argc, argv, 1, 20000000);
	size_t slots = (size_t)bench_arg(argc, argv, 2, 20000);
	uint64_t rng = 88172645463325252ull;
	char **live = bench_check(calloc(slots, sizeof(*live)));
	long mallocs = 0;
	uint64_t start = bench_now_ns();
	for (long i = 0; i < steps; i++) {
		size_t k = bench_random(&rng) % slots;
		if (live[k] != NULL) {
			free(live[k]);
			live[k] = NULL;
		} else {
			size_t n = pick_size(&rng);
			live[k] = bench_check(malloc(n));
			live[k][0] = (char)i;
			live[k][n - 1] = (char)i;
			mallocs++;
		}
	}
	for (size_t k = 0; k < slots; k++)
		if (live[k] != NULL)
			free(live[k]);
	bench_report(mallocs, start);
	free(live);
	return 0;
}
