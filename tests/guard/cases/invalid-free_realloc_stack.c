/* SPDX-License-Identifier: MIT */
/* realloc() of a stack buffer.
 * EXPECT-FULL: invalid-free
 * EXPECT-FAST: invalid-free
 * glibc 2.36: "realloc(): invalid old size" or "realloc(): invalid pointer". */
#include "corpus.h"

int main(void)
{
	char buf[256] __attribute__((aligned(16)));
	memset(buf, 0, sizeof buf);
	char *q = realloc(buf + 64, 100); /* the misuse */
	corpus_sink = q;
	return corpus_result(0);
}
