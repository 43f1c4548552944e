/* SPDX-License-Identifier: MIT */
/* A poisoned fastbin link followed by malloc_consolidate: the freed
 * chunk's next pointer is overwritten with a safe-linked pointer to a fake
 * chunk, then a large request consolidates the fastbins, which walks the
 * list through the forged link.  The allocator must refuse the link
 * before it reads what it points to.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: follows the link into the fake chunk ("malloc_consolidate():
 * invalid chunk size" only if the fake size is wrong). */
#include "corpus.h"

int main(void)
{
	size_t fake[8] __attribute__((aligned(16))) = {0};
	fake[1] = 0x41; /* a plausible fastbin size for the fake chunk */
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x38);
	size_t *a = malloc(0x38);
	corpus_sink = malloc(0x18);
	for (int i = 0; i < 7; i++)
		free(t[i]);                   /* the 0x40 tcache bin is full */
	free(a);                              /* a -> fastbin */
	a[0] = (size_t)corpus_protect(a, fake); /* the poisoned link */
	corpus_sink = malloc(0x500);          /* consolidates the fastbins */
	/* The fake chunk was merged or binned if its header changed. */
	return corpus_result(fake[1] != 0x41);
}
