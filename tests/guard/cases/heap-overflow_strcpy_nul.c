/* SPDX-License-Identifier: MIT */
/* The classic strlen-without-+1: strcpy of a 24-character string into
 * malloc(24) writes the NUL on the next chunk's size byte (off-by-null).
 * EXPECT-FULL: heap-overflow,header-corruption
 * EXPECT-FAST: header-corruption
 * glibc 2.36: "free(): invalid pointer" when the next chunk is freed. */
#include "corpus.h"

int main(void)
{
	const char *s = "abcdefghijklmnopqrstuvwx"; /* 24 characters */
	char *p = malloc(strlen(s)), *q = malloc(24);
	strcpy(p, s); /* the overflow */
	free(p);
	free(q);
	return corpus_result(0);
}
