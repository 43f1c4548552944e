/* SPDX-License-Identifier: MIT */
/* Double free of an mmapped chunk (1 MiB): the second free reads the
 * header of an unmapped page in glibc.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: SIGSEGV in munmap_chunk. */
#include "corpus.h"

int main(void)
{
	void *a = malloc(1 << 20);
	free(a);
	free(a); /* the double free */
	void *x = malloc(1 << 20), *y = malloc(1 << 20);
	return corpus_result(x != NULL && x == y);
}
