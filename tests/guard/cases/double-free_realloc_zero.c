/* SPDX-License-Identifier: MIT */
/* realloc(p, 0) frees p (glibc semantics) and the program frees p again.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: "free(): double free detected in tcache 2". */
#include "corpus.h"

int main(void)
{
	char *p = malloc(100);
	char *q = realloc(p, 0);
	if (q != NULL) { /* not freed: nothing to misuse */
		free(q);
		return corpus_result(0);
	}
	free(p); /* the double free */
	void *x = malloc(100), *y = malloc(100);
	return corpus_result(x != NULL && x == y);
}
