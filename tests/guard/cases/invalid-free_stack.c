/* SPDX-License-Identifier: MIT */
/* free() of a stack buffer (a pointer malloc never returned).
 * EXPECT-FULL: invalid-free
 * EXPECT-FAST: invalid-free
 * glibc 2.36: "free(): invalid size" / "free(): invalid pointer". */
#include "corpus.h"

int main(void)
{
	char buf[256] __attribute__((aligned(16)));
	memset(buf, 0, sizeof buf);
	free(buf + 64); /* the misuse */
	return corpus_result(0);
}
