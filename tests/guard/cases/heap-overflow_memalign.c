/* SPDX-License-Identifier: MIT */
/* 1-byte overflow of a memalign(64, 36) block (into the padding: 40 usable
 * bytes in glibc).
 * EXPECT-FULL: heap-overflow
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	char *p = memalign(64, 36);
	memset(p, 'a', 37); /* the overflow */
	free(p);
	return corpus_result(0);
}
