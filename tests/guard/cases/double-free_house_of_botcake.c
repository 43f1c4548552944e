/* SPDX-License-Identifier: MIT */
/* house_of_botcake: with the 0x110 tcache bin full, free a (unsorted) and
 * its neighbour prev (they consolidate), take one chunk out of the tcache,
 * then free a again: it enters the tcache while also inside the big free
 * chunk; a larger malloc returns memory overlapping a, and malloc(0x100)
 * returns a itself: two live blocks overlap.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	char *t[7], *prev, *a;
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x100);
	prev = malloc(0x100);
	a = malloc(0x100);
	corpus_sink = malloc(0x10); /* keeps them away from the top */
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(a);    /* unsorted */
	free(prev); /* consolidates with a */
	corpus_sink = malloc(0x100); /* one slot free in the tcache */
	free(a);		     /* the double free: into the tcache */
	char *big = malloc(0x120);   /* carved from prev+a */
	char *again = malloc(0x100); /* a, from the tcache */
	return corpus_result(big != NULL && again == a && big <= a && a < big + 0x120);
}
