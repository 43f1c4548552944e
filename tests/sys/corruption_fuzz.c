/* SPDX-License-Identifier: MIT */
/* Random heap damage, run with check=0 (continue silently): a seeded mix
 * of malloc, free and mallinfo, with now and then one byte flipped near a
 * live block or a freed one (headers and free-list links included).
 * heapguard may report and isolate whatever it finds; it must never crash.
 * Freed blocks that could have been unmapped are never touched (no mmap'd
 * sizes, no trimming), so any signal is heapguard's.
 * Usage: corruption_fuzz SEED */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint64_t next_random(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

#define LIVE 512
#define FREED 64

int main(int argc, char **argv)
{
	state = (argc > 1 ? strtoull(argv[1], NULL, 10) : 1) * 2654435761u + 1;
	mallopt(M_TRIM_THRESHOLD, -1); /* freed memory stays mapped */
	static char *live[LIVE];
	static size_t size[LIVE];
	static char *freed[FREED];
	for (long i = 0; i < 20000; i++) {
		int k = (int)(next_random() % LIVE);
		if (live[k] != NULL) {
			if (next_random() % 4 == 0 && size[k] < 100000)
				freed[next_random() % FREED] = live[k];
			free(live[k]);
			live[k] = NULL;
		} else {
			size[k] = next_random() % 10 == 0 ? next_random() % 200000 : next_random() % 1200;
			live[k] = malloc(size[k]);
			if (live[k] != NULL)
				memset(live[k], 1, size[k]);
		}
		if (next_random() % 500 == 0) {
			int j = (int)(next_random() % LIVE);
			/* mmap'd blocks (>= 100000 here) have no mapped bytes before them */
			char *base = next_random() % 2 ? (size[j] < 100000 ? live[j] : NULL)
						       : freed[next_random() % FREED];
			if (base != NULL) {
				long offset = (long)(next_random() % 56) - 16; /* header..links */
				base[offset] ^= (char)(1 + next_random() % 255);
			}
		}
		if (next_random() % 3000 == 0) {
			struct mallinfo2 m = mallinfo2();
			(void)m;
		}
	}
	return 0;
}
