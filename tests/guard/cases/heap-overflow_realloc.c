/* SPDX-License-Identifier: MIT */
/* Overflow by 4 bytes, detected when the block is reallocated.
 * EXPECT-FULL: heap-overflow
 * EXPECT-FAST: none
 * glibc 2.36: not detected (inside the 40 usable bytes). */
#include "corpus.h"

int main(void)
{
	char *p = malloc(30), *g = malloc(30);
	memset(p, 'r', 34); /* the overflow */
	char *q = realloc(p, 1000);
	free(q);
	free(g);
	return corpus_result(0);
}
