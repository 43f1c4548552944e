/* SPDX-License-Identifier: MIT */
/* Shrink an in-use chunk's size from 0x90 to 0x20 (keeping the flags):
 * freed, it goes to the wrong bin and its tail is lost.
 * EXPECT-FULL: header-corruption
 * EXPECT-FAST: header-corruption
 * glibc 2.36: not detected (tcache takes it). */
#include "corpus.h"

int main(void)
{
	char *p = malloc(0x88), *g = malloc(0x18);
	size_t *sz = (size_t *)(p - 8);
	*sz = (*sz & 7) | 0x20; /* the corruption */
	free(p);
	char *q = malloc(0x18);
	corpus_sink = g;
	return corpus_result(q == p); /* a 0x90 chunk handed out as 0x20 */
}
