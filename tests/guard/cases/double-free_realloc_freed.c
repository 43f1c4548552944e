/* SPDX-License-Identifier: MIT */
/* realloc of a freed pointer: glibc reuses the freed chunk (still in the
 * tcache) and the next malloc hands it out again, overlapping realloc's
 * result.
 * EXPECT-FULL: double-free,invalid-free
 * EXPECT-FAST: double-free,invalid-free
 * glibc 2.36: see the corpus notes (not checked by glibc). */
#include "corpus.h"

int main(void)
{
	char *p = malloc(64), *g = malloc(64);
	free(p);
	char *r = realloc(p, 32); /* the misuse: p is free */
	char *x = malloc(64);
	corpus_sink = g;
	return corpus_result(r != NULL && x != NULL && r < x + 64 && x < r + 32);
}
