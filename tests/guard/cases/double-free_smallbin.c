/* SPDX-License-Identifier: MIT */
/* Double free of a chunk sitting in a small bin (tcache bin full, sorted
 * out of the unsorted bin by a larger request).
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: "double free or corruption (!prev)". */
#include "corpus.h"

int main(void)
{
	void *t[7], *a, *g;
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x100);
	a = malloc(0x100);
	g = malloc(0x18); /* keeps a away from the top */
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(a);
	corpus_sink = malloc(0x600); /* unsorted -> small bin */
	free(a); /* the double free */
	void *x = malloc(0x100), *y = calloc(1, 0x100);
	corpus_sink = g;
	return corpus_result(x != NULL && x == y);
}
