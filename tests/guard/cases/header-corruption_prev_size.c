/* SPDX-License-Identifier: MIT */
/* prev_size forgery: with a free, the next chunk's prev_size is changed
 * from 0x510 to 0x520, so that freeing b would merge with a wrong chunk.
 * EXPECT-FULL: header-corruption,write-after-free
 * EXPECT-FAST: header-corruption
 * glibc 2.36: "corrupted size vs. prev_size while consolidating". */
#include "corpus.h"

int main(void)
{
	char *x = malloc(0x18), *a = malloc(0x508), *b = malloc(0x508);
	corpus_sink = malloc(0x18);
	free(a); /* unsorted; b's prev_size = 0x510, PREV_INUSE clear */
	((size_t *)b)[-2] = 0x520; /* the corruption */
	free(b);
	char *d = malloc(0xa00);
	return corpus_result(d != NULL && d <= x && x < d + 0xa00);
}
