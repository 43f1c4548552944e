/* SPDX-License-Identifier: MIT */
/* Write after free into a block, then calloc of the same size: an
 * allocator that reuses the chunk would hand out (and zero over) the
 * corrupted memory; the check must fire before reuse or at exit.
 * EXPECT-FULL: write-after-free
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	char *p = malloc(500);
	free(p);
	p[250] = 'W'; /* the write after free */
	for (int i = 0; i < 50; i++)
		free(calloc(1, 500));
	return corpus_result(0);
}
