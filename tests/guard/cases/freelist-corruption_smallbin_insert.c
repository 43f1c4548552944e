/* SPDX-License-Identifier: MIT */
/* Small-bin insert over a forged back link: a chunk already in a small bin
 * gets its bk overwritten after free, then a second chunk of the same size
 * is filed into that bin.  glibc checks small-bin links only when a chunk
 * leaves the bin; the insert overwrites the forged bk and the corruption
 * goes unseen.  heapguard verifies the links it writes next to.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: not stopped (the insert hides the forged link). */
#include "corpus.h"

int main(void)
{
	size_t fake[8] __attribute__((aligned(16))) = {0};
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x80);
	size_t *first = malloc(0x80);
	corpus_sink = malloc(0x18);
	size_t *second = malloc(0x80);
	corpus_sink = malloc(0x18);
	for (int i = 0; i < 7; i++)
		free(t[i]);               /* the 0x90 tcache bin is full */
	free(first);
	corpus_sink = malloc(0x500);      /* first -> small bin */
	first[1] = (size_t)fake;          /* the forged bk, written after free */
	free(second);
	corpus_sink = malloc(0x500);      /* second sorted into the same bin */
	/* The forged link was written through if fake now points at second. */
	return corpus_result(fake[2] == (size_t)(second - 2));
}
