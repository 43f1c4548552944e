/* SPDX-License-Identifier: MIT */
/* Write after free, 1 byte at offset 0x800 of a 4 KiB chunk in a large
 * bin (beyond the fd/bk/nextsize words).
 * EXPECT-FULL: write-after-free
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	char *p = malloc(0x1000);
	corpus_sink = malloc(0x18);
	free(p);
	corpus_sink = malloc(0x2000); /* unsorted -> large bin */
	p[0x800] = 'W';		      /* the write after free */
	corpus_sink = malloc(0x1000);
	return corpus_result(0);
}
