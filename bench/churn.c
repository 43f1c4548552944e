/* SPDX-License-Identifier: MIT */
/* Single-threaded churn of mixed sizes with random lifetimes: many small
 * (16..256 B), some medium (up to 8 KiB), few large (up to 512 KiB).
 * Usage: churn [operations] [live slots] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 88172645463325252ull;

static uint64_t next_random(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static size_t pick_size(void)
{
	uint64_t r = next_random() % 1000;
	if (r < 800)
		return 16 + next_random() % 241;
	if (r < 990)
		return 256 + next_random() % 8000;
	return 8192 + next_random() % (512 * 1024);
}

int main(int argc, char **argv)
{
	long ops = argc > 1 ? atol(argv[1]) : 20000000;
	size_t slots = argc > 2 ? (size_t)atol(argv[2]) : 20000;
	char **live = calloc(slots, sizeof(*live));
	if (live == NULL)
		return 1;
	for (long i = 0; i < ops; i++) {
		size_t k = next_random() % slots;
		if (live[k] != NULL) {
			free(live[k]);
			live[k] = NULL;
		} else {
			size_t n = pick_size();
			live[k] = malloc(n);
			if (live[k] == NULL)
				return 1;
			live[k][0] = (char)i;
			live[k][n - 1] = (char)i;
		}
	}
	for (size_t k = 0; k < slots; k++)
		free(live[k]);
	free(live);
	return 0;
}
