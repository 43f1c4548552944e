/* SPDX-License-Identifier: MIT */
/* 8-byte heap overflow: 48 bytes copied into malloc(40) (glibc chunk of 48,
 * 40 usable): the last 8 bytes land on the next chunk's size word.
 * EXPECT-FULL: heap-overflow,header-corruption
 * EXPECT-FAST: header-corruption
 * glibc 2.36: "munmap_chunk(): invalid pointer" (the size got the M bit). */
#include "corpus.h"

int main(void)
{
	char src[48];
	memset(src, 'B', sizeof src);
	char *p = malloc(40), *q = malloc(40);
	memcpy(p, src, 48); /* the overflow */
	free(p);
	free(q);
	return corpus_result(0);
}
