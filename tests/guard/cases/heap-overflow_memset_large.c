/* SPDX-License-Identifier: MIT */
/* Large heap overflow: memset of 300 bytes over malloc(100), flattening
 * the next chunk's header and part of its data.
 * EXPECT-FULL: heap-overflow,header-corruption
 * EXPECT-FAST: header-corruption
 * glibc 2.36: "double free or corruption (out)". */
#include "corpus.h"

int main(void)
{
	char *p = malloc(100), *q = malloc(100), *r = malloc(100);
	memset(p, 0x41, 300); /* the overflow */
	free(q);
	free(p);
	free(r);
	return corpus_result(0);
}
