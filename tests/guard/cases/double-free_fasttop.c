/* SPDX-License-Identifier: MIT */
/* Plain fastbin double free: tcache bin full, the chunk freed twice in a
 * row (fastbin_dup without the intervening free).
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: "double free or corruption (fasttop)". */
#include "corpus.h"

int main(void)
{
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(56);
	void *a = malloc(56);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(a);
	free(a); /* the double free */
	void *x = calloc(1, 56), *y = calloc(1, 56);
	return corpus_result(x != NULL && x == y);
}
