/* SPDX-License-Identifier: MIT */
/* tcache poisoning the pre-2.32 way: a raw (not safe-linking encoded)
 * pointer written over a freed chunk's next pointer.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: "malloc(): unaligned tcache chunk detected". */
#include "corpus.h"

int main(void)
{
	size_t target[8] __attribute__((aligned(16))) = {0};
	size_t *a = malloc(72), *b = malloc(72);
	free(a);
	free(b);
	b[0] = (size_t)target; /* the forged next, not encoded */
	void *x = malloc(72), *y = malloc(72);
	corpus_sink = x;
	return corpus_result(y == (void *)target);
}
