/* SPDX-License-Identifier: MIT */
/* Write after free with no allocation afterwards: only the walk at exit
 * (over the quarantine) can see it.
 * EXPECT-FULL: write-after-free
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	char *p = malloc(64);
	free(p);
	p[63] = 1; /* the write after free */
	return corpus_result(0);
}
