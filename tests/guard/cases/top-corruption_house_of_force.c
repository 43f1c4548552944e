/* SPDX-License-Identifier: MIT */
/* house_of_force: overwrite the top chunk's size with -1 through an
 * overflow of the last block, then request "target - top" bytes so that
 * the next malloc returns the target (a global).
 * EXPECT-FULL: top-corruption,heap-overflow,header-corruption
 * EXPECT-FAST: top-corruption,header-corruption
 * glibc 2.36: "malloc(): corrupted top size". */
#include "corpus.h"

static char target[64] __attribute__((aligned(16)));

int main(void)
{
	char *p = malloc(0x108); /* 0x110 chunk, top right after */
	*(size_t *)(p + 0x108) = (size_t)-1; /* the overflow: top size */
	char *top = p + 0x108 - 8;	     /* top chunk's address */
	size_t evil = (size_t)(target - top) - 0x20;
	corpus_sink = malloc(evil);
	char *q = malloc(0x20);
	return corpus_result(q == target);
}
