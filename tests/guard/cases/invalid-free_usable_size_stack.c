/* SPDX-License-Identifier: MIT */
/* malloc_usable_size() of a stack pointer.
 * EXPECT-FULL: invalid-free
 * EXPECT-FAST: invalid-free
 * glibc 2.36: not checked, returns a meaningless size. */
#include "corpus.h"

int main(void)
{
	char buf[128] __attribute__((aligned(16)));
	memset(buf, 0, sizeof buf);
	size_t n = malloc_usable_size(buf + 32); /* the misuse */
	fprintf(stderr, "usable size %zu\n", n);
	return corpus_result(0);
}
