/* SPDX-License-Identifier: MIT */
/* Write after free, 1 byte at offset 100 of a chunk in a small bin (0x110
 * tcache bin full, then sorted by a larger request).
 * EXPECT-FULL: write-after-free
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x100);
	char *p = malloc(0x100);
	corpus_sink = malloc(0x18);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(p);
	corpus_sink = malloc(0x600); /* unsorted -> small bin */
	p[100] = 'W';		     /* the write after free */
	corpus_sink = calloc(1, 0x100);
	return corpus_result(0);
}
