/* SPDX-License-Identifier: MIT */
/* 1-byte heap overflow that stays inside the chunk's padding: malloc(20)
 * gets a 32-byte chunk (24 usable in glibc), byte 20 is written.
 * EXPECT-FULL: heap-overflow
 * EXPECT-FAST: none
 * glibc 2.36: not detected (the byte is padding). */
#include "corpus.h"

int main(void)
{
	char *p = malloc(20);
	memset(p, 'a', 20);
	p[20] = 'X'; /* the overflow */
	free(p);
	return corpus_result(0);
}
