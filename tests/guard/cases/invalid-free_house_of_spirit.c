/* SPDX-License-Identifier: MIT */
/* house_of_spirit (fastbin): with the 0x40 tcache bin full, free a fake
 * stack chunk whose next chunk has a plausible size; it enters the fastbin
 * and calloc(0x30) returns the stack address.
 * EXPECT-FULL: invalid-free,header-corruption
 * EXPECT-FAST: invalid-free,header-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	size_t fake[16] __attribute__((aligned(16))) = {0};
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x30);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	fake[1] = 0x40;	  /* the fake chunk's size */
	fake[9] = 0x1234; /* the next chunk's size: > 16, < system_mem */
	free(&fake[2]);	  /* the misuse */
	void *p = calloc(1, 0x30);
	return corpus_result(p == (void *)&fake[2]);
}
