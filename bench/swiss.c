/* SPDX-License-Identifier: MIT */
/* A long-lived heap with a random free pattern (the Swiss-cheese shape):
 * fill the heap with blocks of mixed sizes, free a random half, then keep
 * replacing random live blocks with blocks of other sizes, so new requests must
 * fit into holes.  Peak RSS shows how well an allocator reuses them.
 * Usage: swiss [blocks] [replacements] */
#include <string.h>

#include "bench.h"

static size_t pick_size(uint64_t *rng)
{
	uint64_t r = bench_random(rng);
	if (r % 16)
		return 16 + (r >> 8) % 496;
	return 512 + (r >> 8) % 7680;
}

int main(int argc, char **argv)
{
	size_t blocks = (size_t)bench_arg(argc, argv, 1, 1000000);
	long replacements = bench_arg(argc, argv, 2, 4000000);
	uint64_t rng = 0xda942042e4dd58b5ull;
	char **slot = bench_check(calloc(blocks, sizeof(*slot)));
	long mallocs = 0;
	uint64_t start = bench_now_ns();
	for (size_t i = 0; i < blocks; i++) {
		size_t n = pick_size(&rng);
		slot[i] = bench_check(malloc(n));
		memset(slot[i], 7, 16);
		mallocs++;
	}
	for (size_t i = 0; i < blocks; i++) {
		if (bench_random(&rng) & 1) {
			free(slot[i]);
			slot[i] = NULL;
		}
	}
	for (long i = 0; i < replacements; i++) {
		size_t k = bench_random(&rng) % blocks;
		while (slot[k] == NULL)
			k = (k + 1) % blocks;
		free(slot[k]);
		size_t n = pick_size(&rng);
		slot[k] = bench_check(malloc(n));
		memset(slot[k], 7, 16);
		mallocs++;
	}
	for (size_t i = 0; i < blocks; i++)
		free(slot[i]);
	bench_report(mallocs, start);
	free(slot);
	return 0;
}
