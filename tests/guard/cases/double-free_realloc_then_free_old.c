/* SPDX-License-Identifier: MIT */
/* realloc-then-free-old: realloc moves the block (a neighbour blocks growth
 * in place) and frees the old one; the program frees the old pointer too.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: "free(): double free detected in tcache 2". */
#include "corpus.h"

int main(void)
{
	char *p = malloc(24), *g = malloc(24);
	char *q = realloc(p, 4000);
	if (q == p) { /* not moved: nothing to misuse */
		fputs("realloc did not move\n", stderr);
		return corpus_result(0);
	}
	free(p); /* the double free (realloc freed it) */
	void *x = malloc(24), *y = malloc(24);
	corpus_sink = g;
	return corpus_result(x != NULL && x == y);
}
