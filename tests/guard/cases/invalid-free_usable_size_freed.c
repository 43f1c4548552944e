/* SPDX-License-Identifier: MIT */
/* malloc_usable_size() of a freed pointer.
 * EXPECT-FULL: invalid-free,double-free
 * EXPECT-FAST: invalid-free,double-free
 * glibc 2.36: not checked, returns the freed chunk's size. */
#include "corpus.h"

int main(void)
{
	char *p = malloc(200), *g = malloc(16);
	free(p);
	size_t n = malloc_usable_size(p); /* the misuse */
	fprintf(stderr, "usable size %zu\n", n);
	corpus_sink = g;
	return corpus_result(0);
}
