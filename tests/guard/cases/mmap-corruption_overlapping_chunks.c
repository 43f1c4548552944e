/* SPDX-License-Identifier: MIT */
/* mmap_overlapping_chunks: two mmapped chunks side by side; the lower
 * one's size is enlarged to cover the upper one, so free() unmaps both and
 * a later big malloc maps memory over the still-live upper chunk.
 * EXPECT-FULL: mmap-corruption,header-corruption
 * EXPECT-FAST: mmap-corruption,header-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	mallopt(M_MMAP_THRESHOLD, 128 * 1024); /* no dynamic threshold */
	char *hi = malloc(0x100000), *lo = malloc(0x100000);
	if (lo > hi) {
		char *t = lo;
		lo = hi;
		hi = t;
	}
	size_t *sz = (size_t *)(lo - 8);
	size_t span = (size_t)(hi - lo) + 0x101000;
	*sz = span | 2; /* the corruption: lo now covers hi */
	free(lo);
	char *big = malloc(0x300000);
	return corpus_result(big != NULL && big <= hi && hi < big + 0x300000);
}
