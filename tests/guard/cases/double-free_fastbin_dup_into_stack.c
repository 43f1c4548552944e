/* SPDX-License-Identifier: MIT */
/* fastbin_dup_into_stack: fastbin_dup (free a, b, a with a full tcache),
 * take a out once, rewrite its fastbin fd (safe-linking encoded) to a fake
 * 0x40 chunk on the stack, and calloc until the stack address comes back.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	size_t fake[12] __attribute__((aligned(16))) = {0, 0x41};
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x38);
	size_t *a = malloc(0x38), *b = malloc(0x38);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(a);
	free(b);
	free(a); /* the double free */
	size_t *x = calloc(1, 0x38);
	corpus_sink = calloc(1, 0x38);
	if (x == a) /* a is in use and still in the fastbin */
		x[0] = (size_t)corpus_protect(x, fake);
	void *r[3];
	int hit = 0;
	for (int i = 0; i < 3; i++) {
		r[i] = calloc(1, 0x38);
		hit |= r[i] == (void *)&fake[2];
		if (hit)
			break;
	}
	return corpus_result(hit);
}
