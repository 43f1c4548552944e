/* SPDX-License-Identifier: MIT */
/* tcache double free with the key cleared (how2heap tcache_dup, 2.29+
 * variant): after the first free, overwrite the tcache "key" word at
 * offset 8 so glibc's double-free scan is skipped, then free again; two
 * mallocs return the same chunk.
 * EXPECT-FULL: double-free,write-after-free
 * EXPECT-FAST: double-free
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	size_t *a = malloc(40);
	free(a);
	a[1] = 0; /* clear the tcache key (a write after free) */
	free(a);  /* the double free */
	void *b = malloc(40), *c = malloc(40);
	return corpus_result(b != NULL && b == c);
}
