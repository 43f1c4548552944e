/* SPDX-License-Identifier: MIT */
/* Write after free, 1 byte at offset 8 (glibc's tcache key word) of a
 * 40-byte chunk.
 * EXPECT-FULL: write-after-free
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	char *p = malloc(40);
	free(p);
	p[8] = 'W'; /* the write after free */
	corpus_sink = malloc(40);
	return corpus_result(0);
}
