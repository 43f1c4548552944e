/* SPDX-License-Identifier: MIT */
/* Double free of a chunk in a large bin (0x800 bytes, beyond the tcache).
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: "double free or corruption (!prev)". */
#include "corpus.h"

int main(void)
{
	void *a = malloc(0x800), *g = malloc(0x18);
	free(a);
	corpus_sink = malloc(0x1000); /* unsorted -> large bin */
	free(a);		      /* the double free */
	void *x = malloc(0x800), *y = malloc(0x800);
	corpus_sink = g;
	return corpus_result(x != NULL && x == y);
}
