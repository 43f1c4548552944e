/* SPDX-License-Identifier: MIT */
/* Free of a chunk forged inside a live block: write a 0x50 header 64 bytes
 * into a 256-byte block and free the pointer after it; malloc(0x40) then
 * returns memory overlapping the live block.
 * EXPECT-FULL: invalid-free,header-corruption
 * EXPECT-FAST: invalid-free,header-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	char *p = calloc(1, 256);
	size_t *h = (size_t *)(p + 64);
	h[1] = 0x51;		    /* size 0x50, PREV_INUSE */
	((size_t *)(p + 64 + 0x50))[1] = 0x21; /* a plausible next chunk */
	free(p + 80);		    /* the misuse */
	char *q = malloc(0x40);
	return corpus_result(q != NULL && q >= p && q < p + 256);
}
