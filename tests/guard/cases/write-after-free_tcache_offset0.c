/* SPDX-License-Identifier: MIT */
/* Write after free, 1 byte at offset 0 of a tcache-size chunk (24 bytes):
 * it hits the tcache next pointer in glibc's layout; two mallocs follow.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: "malloc(): unaligned tcache chunk detected". */
#include "corpus.h"

int main(void)
{
	char *q = malloc(24), *p = malloc(24);
	free(q);
	free(p); /* p's next pointer leads to q */
	p[0] ^= 1; /* the write after free */
	corpus_sink = malloc(24);
	corpus_sink = malloc(24);
	return corpus_result(0);
}
