/* SPDX-License-Identifier: MIT */
/* realloc() of an interior pointer of a live block.
 * EXPECT-FULL: invalid-free
 * EXPECT-FAST: invalid-free
 * glibc 2.36: "realloc(): invalid old size" (the data read as a header). */
#include "corpus.h"

int main(void)
{
	char *p = calloc(1, 256);
	char *q = realloc(p + 64, 400); /* the misuse */
	corpus_sink = q;
	free(p);
	return corpus_result(0);
}
