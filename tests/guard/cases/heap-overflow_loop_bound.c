/* SPDX-License-Identifier: MIT */
/* Off-by-one loop bound (<= instead of <) over an int array, in a
 * tcache-size block: writes 4 bytes past the end (into the padding).
 * EXPECT-FULL: heap-overflow
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"

int main(void)
{
	int n = 49; /* 196 bytes: a 208-byte chunk, 200 usable in glibc */
	int *a = malloc(n * sizeof *a);
	for (int i = 0; i <= n; i++) /* the overflow */
		a[i] = i;
	free(a);
	return corpus_result(0);
}
