/* SPDX-License-Identifier: MIT */
/* free() of a global (.bss) array.
 * EXPECT-FULL: invalid-free
 * EXPECT-FAST: invalid-free
 * glibc 2.36: "free(): invalid size". */
#include "corpus.h"

static char global[256] __attribute__((aligned(16)));

int main(void)
{
	free(global + 32); /* the misuse */
	return corpus_result(0);
}
