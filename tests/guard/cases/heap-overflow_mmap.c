/* SPDX-License-Identifier: MIT */
/* 1-byte overflow past an mmapped block (200000 bytes, rounded up to pages
 * by the allocator).
 * EXPECT-FULL: heap-overflow
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	char *p = malloc(200000);
	memset(p, 'm', 200000);
	p[200000] = 'X'; /* the overflow */
	free(p);
	return corpus_result(0);
}
