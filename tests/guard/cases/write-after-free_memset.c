/* SPDX-License-Identifier: MIT */
/* memset over a whole freed 256-byte block (use of a dangling buffer),
 * then two mallocs of the same size.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: "malloc(): unaligned tcache chunk detected". */
#include "corpus.h"

int main(void)
{
	char *a = malloc(256), *b = malloc(256);
	free(a);
	free(b);
	memset(b, 0x41, 256); /* the write after free */
	corpus_sink = malloc(256);
	corpus_sink = malloc(256);
	return corpus_result(0);
}
