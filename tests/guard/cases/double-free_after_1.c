/* SPDX-License-Identifier: MIT */
/* Double free with one other free of the same size in between (tcache).
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: "free(): double free detected in tcache 2" (key + scan). */
#include "corpus.h"

int main(void)
{
	void *a = malloc(64), *b = malloc(64);
	free(a);
	free(b);
	free(a); /* the double free */
	void *x = malloc(64), *y = malloc(64), *z = malloc(64);
	return corpus_result(x != NULL && (x == z || x == y || y == z));
}
