/* SPDX-License-Identifier: MIT */
/* off_by_one: malloc(24) uses the next chunk's prev_size word, so p[24]
 * is the low byte of the next chunk's size; growing it from 0x21 to 0x41
 * makes free+malloc(0x38) return a chunk overlapping the third block.
 * EXPECT-FULL: heap-overflow,header-corruption
 * EXPECT-FAST: header-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	char *p = malloc(24), *q = malloc(24), *r = malloc(24);
	p[24] = 0x41; /* the overflow: q's size 0x21 -> 0x41 */
	free(q);
	char *x = malloc(0x38);
	free(p);
	return corpus_result(x != NULL && x <= r && r < x + 0x38);
}
