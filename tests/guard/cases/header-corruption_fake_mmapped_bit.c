/* SPDX-License-Identifier: MIT */
/* Set IS_MMAPPED on an ordinary heap chunk so that free() would munmap
 * heap memory.
 * EXPECT-FULL: header-corruption,mmap-corruption
 * EXPECT-FAST: header-corruption,mmap-corruption
 * glibc 2.36: "munmap_chunk(): invalid pointer". */
#include "corpus.h"

int main(void)
{
	char *p = malloc(0x40), *g = malloc(0x40);
	((size_t *)p)[-1] |= 2; /* the corruption */
	free(p);
	free(g);
	return corpus_result(0);
}
