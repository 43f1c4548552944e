/* SPDX-License-Identifier: MIT */
/* Double free of a large chunk that merged into the top chunk when it was
 * first freed.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: "double free or corruption (top)". */
#include "corpus.h"

int main(void)
{
	void *a = malloc(0x2000);
	free(a); /* merges into top */
	free(a); /* the double free */
	void *x = malloc(0x2000), *y = malloc(0x2000);
	return corpus_result(x != NULL && x == y);
}
