/* SPDX-License-Identifier: MIT */
/* Write after free, 1 byte at offset 20 of a fastbin chunk (0x40 tcache
 * bin full), beyond the fd pointer.
 * EXPECT-FULL: write-after-free
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x30);
	char *p = malloc(0x30);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(p);
	p[20] = 'W'; /* the write after free */
	corpus_sink = calloc(1, 0x30);
	return corpus_result(0);
}
