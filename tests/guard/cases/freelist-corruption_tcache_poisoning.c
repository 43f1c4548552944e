/* SPDX-License-Identifier: MIT */
/* tcache_poisoning: overwrite the safe-linking-encoded next pointer of a
 * freed tcache chunk with an encoded stack address; the second malloc
 * returns the stack address.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	size_t target[8] __attribute__((aligned(16))) = {0};
	size_t *a = malloc(128), *b = malloc(128);
	free(a);
	free(b);
	b[0] = (size_t)corpus_protect(b, target); /* the forged next */
	void *x = malloc(128), *y = malloc(128);
	corpus_sink = x;
	return corpus_result(y == (void *)target);
}
