/* SPDX-License-Identifier: MIT */
/* Write after free, the last requested byte of a 1000-byte (tcache-size)
 * chunk.
 * EXPECT-FULL: write-after-free
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	char *p = malloc(1000);
	free(p);
	p[999] = 'W'; /* the write after free */
	corpus_sink = malloc(1000);
	return corpus_result(0);
}
