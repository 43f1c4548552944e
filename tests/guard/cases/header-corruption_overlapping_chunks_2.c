/* SPDX-License-Identifier: MIT */
/* overlapping_chunks_2: five 0x500 chunks; free p4, then enlarge p2's size
 * to cover p3 and free p2: it consolidates with the free p4, and
 * malloc(0xef8) returns memory overlapping the live p3.
 * EXPECT-FULL: header-corruption,heap-overflow
 * EXPECT-FAST: header-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	char *p[6];
	for (int i = 1; i <= 5; i++)
		p[i] = malloc(0x4f8); /* 0x500-byte chunks, beyond the tcache */
	free(p[4]);
	size_t *sz = (size_t *)(p[2] - 8);
	*sz = (0x500 + 0x500) | 1; /* the corruption: p2 covers p3 */
	free(p[2]);
	char *big = malloc(0xef8);
	corpus_sink = p[1];
	corpus_sink = p[5];
	return corpus_result(big != NULL && big <= p[3] && p[3] < big + 0xef8);
}
