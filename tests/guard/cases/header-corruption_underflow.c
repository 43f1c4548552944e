/* SPDX-License-Identifier: MIT */
/* Buffer underflow into the chunk's own header: p[-4] is a byte of the
 * size word (bits 32..39).
 * EXPECT-FULL: header-corruption
 * EXPECT-FAST: header-corruption
 * glibc 2.36: "double free or corruption (out)". */
#include "corpus.h"

int main(void)
{
	char *p = malloc(64), *g = malloc(64);
	p[-4] ^= 1; /* the underflow */
	free(p);
	free(g);
	return corpus_result(0);
}
