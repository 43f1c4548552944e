/* SPDX-License-Identifier: MIT */
/* 1-byte overflow of a calloc'ed array of 5 elements of 5 bytes.
 * EXPECT-FULL: heap-overflow
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	char *p = calloc(5, 5);
	p[25] = 1; /* the overflow */
	free(p);
	return corpus_result(0);
}
