/* SPDX-License-Identifier: MIT */
/* 1-byte overflow of a block that is never freed: only the walk at exit
 * can see it.
 * EXPECT-FULL: heap-overflow
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

static char *keep;

int main(void)
{
	keep = malloc(10);
	memset(keep, 'k', 11); /* the overflow, in the padding */
	return corpus_result(0);
}
