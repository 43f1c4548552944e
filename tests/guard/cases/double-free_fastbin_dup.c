/* SPDX-License-Identifier: MIT */
/* fastbin_dup: with the 0x30 tcache bin full, free(a); free(b); free(a)
 * passes glibc's "fasttop" check (a is not at the top of the bin when freed
 * the second time); three callocs (which skip the tcache) return a, b, a.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(40);
	void *a = malloc(40), *b = malloc(40);
	for (int i = 0; i < 7; i++)
		free(t[i]); /* fill the tcache bin */
	free(a);
	free(b);
	free(a); /* the double free */
	void *x = calloc(1, 40), *y = calloc(1, 40), *z = calloc(1, 40);
	return corpus_result(x != NULL && (x == z || x == y || y == z));
}
