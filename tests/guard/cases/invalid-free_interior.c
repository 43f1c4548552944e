/* SPDX-License-Identifier: MIT */
/* free() of an interior pointer (16-byte aligned, 32 bytes into a block).
 * EXPECT-FULL: invalid-free
 * EXPECT-FAST: invalid-free
 * glibc 2.36: "free(): invalid size" (it reads the block's data as a header). */
#include "corpus.h"

int main(void)
{
	char *p = calloc(1, 128);
	free(p + 32); /* the misuse */
	char *q = malloc(80);
	return corpus_result(q != NULL && q == p + 32);
}
