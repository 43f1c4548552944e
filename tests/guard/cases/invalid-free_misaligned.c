/* SPDX-License-Identifier: MIT */
/* free(p + 1): a misaligned pointer into a live block.
 * EXPECT-FULL: invalid-free
 * EXPECT-FAST: invalid-free
 * glibc 2.36: "free(): invalid pointer". */
#include "corpus.h"

int main(void)
{
	char *p = malloc(64);
	free(p + 1); /* the misuse */
	free(p);
	return corpus_result(0);
}
