/* SPDX-License-Identifier: MIT */
/* tcache_house_of_spirit: forge a 0x40 chunk header on the stack and free
 * it; glibc's tcache takes it without looking at the next chunk, and the
 * next malloc(0x30) returns the stack address.
 * EXPECT-FULL: invalid-free,header-corruption
 * EXPECT-FAST: invalid-free,header-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	size_t fake[10] __attribute__((aligned(16))) = {0};
	corpus_sink = malloc(1); /* initialise the heap and the tcache */
	fake[1] = 0x40;		 /* size, no flags */
	free(&fake[2]);		 /* the misuse */
	void *p = malloc(0x30);
	return corpus_result(p == (void *)&fake[2]);
}
