/* SPDX-License-Identifier: MIT */
/* overlapping_chunks (how2heap, tcache era): grow an in-use chunk's size
 * from 0x500 to 0x580 so that it covers the next chunk, free it (unsorted
 * bin) and malloc(0x578): the result overlaps the live third chunk.
 * EXPECT-FULL: header-corruption,heap-overflow
 * EXPECT-FAST: header-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	char *p1 = malloc(0x80 - 8), *p2 = malloc(0x500 - 8), *p3 = malloc(0x80 - 8);
	memset(p3, 'c', 0x80 - 8);
	size_t *sz = (size_t *)(p2 - 8);
	*sz = 0x580 | 1; /* the corruption: p2 now swallows p3 */
	free(p2);
	char *p4 = malloc(0x578);
	corpus_sink = p1;
	return corpus_result(p4 != NULL && p4 <= p3 && p3 < p4 + 0x578);
}
