/* SPDX-License-Identifier: MIT */
/* realloc of an mmapped chunk whose size was changed (not a page multiple
 * any more): mremap would be asked to move a range that is not the chunk's
 * mapping.
 * EXPECT-FULL: mmap-corruption,header-corruption
 * EXPECT-FAST: mmap-corruption,header-corruption
 * glibc 2.36: "mremap_chunk(): invalid pointer". */
#include "corpus.h"

int main(void)
{
	char *p = malloc(0x40000);
	memset(p, 'm', 0x40000);
	((size_t *)p)[-1] += 0x10; /* the corruption */
	char *q = realloc(p, 0x80000);
	free(q);
	return corpus_result(0);
}
