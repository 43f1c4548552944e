/* SPDX-License-Identifier: MIT */
/* poison_null_byte (the classic shrink-free-chunk form): an off-by-null
 * from a shrinks the free chunk b from 0x510 to 0x500; b1 and b2 are then
 * carved from it while c's prev_size still says 0x510; freeing b1 and c
 * would consolidate c over the live b2.
 * EXPECT-FULL: header-corruption,heap-overflow
 * EXPECT-FAST: header-corruption,freelist-corruption
 * glibc 2.36: "corrupted size vs. prev_size while consolidating". */
#include "corpus.h"

int main(void)
{
	char *a = malloc(0x88), *b = malloc(0x508), *c = malloc(0x508);
	corpus_sink = malloc(0x18);
	((size_t *)(b + 0x4f0))[0] = 0x500; /* fake prev_size and size after */
	((size_t *)(b + 0x4f0))[1] = 0x20;  /* the shrunk b (P clear: b free) */
	free(b);			     /* unsorted */
	a[0x88] = 0;			     /* off-by-null: b's size 0x511 -> 0x500 */
	char *b1 = malloc(0x88);
	char *b2 = malloc(0x408);
	free(b1);
	free(c); /* c's prev_size (0x510) reaches back over b2 */
	char *d = malloc(0x700);
	return corpus_result(d != NULL && d <= b2 && b2 < d + 0x700);
}
