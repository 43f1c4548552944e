/* SPDX-License-Identifier: MIT */
/* Top size forged larger than the heap (by 1 MiB) with an overflow: a
 * request that should come from brk/mmap would be carved beyond the heap's
 * end (the house_of_force precondition, without the -1).
 * EXPECT-FULL: top-corruption,heap-overflow,header-corruption
 * EXPECT-FAST: top-corruption,header-corruption
 * The request stays below the mmap threshold so that it is served by top.
 * glibc 2.36: "malloc(): corrupted top size" (size > system_mem). */
#include "corpus.h"
#include <unistd.h>

int main(void)
{
	char *p = malloc(0x108);
	size_t *topsz = (size_t *)(p + 0x108);
	*topsz += 0x100000; /* the overflow: top size */
	void *brk_end = sbrk(0);
	char *q = malloc(0x1ff00);
	return corpus_result(q != NULL && q + 0x1ff00 > (char *)brk_end &&
			     q < (char *)brk_end + 0x100000);
}
