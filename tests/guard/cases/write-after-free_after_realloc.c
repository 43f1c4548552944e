/* SPDX-License-Identifier: MIT */
/* Write through the old pointer after realloc moved the block (a stale
 * pointer kept across realloc), offset 16.
 * EXPECT-FULL: write-after-free
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	char *p = malloc(48), *g = malloc(48);
	char *q = realloc(p, 4096);
	if (q != p)
		p[16] = 'W'; /* the write after free */
	free(q);
	free(g);
	return corpus_result(0);
}
