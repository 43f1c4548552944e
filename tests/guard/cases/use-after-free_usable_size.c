/* SPDX-License-Identifier: MIT */
/* malloc_usable_size() of a freed pointer: a use of a freed block, not a
 * second free.
 * EXPECT-FULL: use-after-free
 * EXPECT-FAST: use-after-free
 * glibc 2.36: not checked; returns the freed chunk's size while it is in a
 * thread cache or fastbin, 0 once it is in a bin. */
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
