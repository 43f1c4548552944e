/* SPDX-License-Identifier: MIT */
/* house_of_mind's first step on a real chunk: set NON_MAIN_ARENA on a
 * main-arena chunk, so that free() looks for a heap_info at the chunk's
 * 64 MiB boundary.
 * EXPECT-FULL: header-corruption
 * EXPECT-FAST: header-corruption
 * glibc 2.36: SIGSEGV (no heap_info there). */
#include "corpus.h"

int main(void)
{
	char *p = malloc(0x500), *g = malloc(0x40);
	((size_t *)p)[-1] |= 4; /* the corruption */
	free(p);
	free(g);
	return corpus_result(0);
}
