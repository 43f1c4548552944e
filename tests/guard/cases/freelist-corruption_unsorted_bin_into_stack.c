/* SPDX-License-Identifier: MIT */
/* unsorted_bin_into_stack: shrink a free unsorted chunk so it no longer
 * fits and point its bk at a fake stack chunk of the wanted size; the
 * fake chunk would be returned by malloc.
 * EXPECT-FULL: write-after-free,freelist-corruption,header-corruption
 * EXPECT-FAST: freelist-corruption,header-corruption
 * glibc 2.36: "malloc(): invalid next size (unsorted)". */
#include "corpus.h"

int main(void)
{
	size_t fake[0x30] __attribute__((aligned(16))) = {0};
	size_t *victim = malloc(0x410);
	corpus_sink = malloc(0x18);
	free(victim);
	fake[1] = 0x110;		 /* fake size */
	fake[3] = (size_t)fake;		 /* fake bk: writable */
	victim[-1] = 32;		 /* shrink the victim */
	victim[1] = (size_t)fake;	 /* the forged bk */
	char *q = malloc(0x100);
	return corpus_result(q == (char *)&fake[2]);
}
