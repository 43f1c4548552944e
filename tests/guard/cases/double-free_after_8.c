/* SPDX-License-Identifier: MIT */
/* Double free with 8 frees in between, the chunk in a fastbin (tcache bin
 * full before the first free): glibc only compares with the fastbin top, so
 * the chunk enters the fastbin twice and calloc hands it out twice.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	void *t[7], *o[8], *a, *r[12];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(72);
	a = malloc(72);
	for (int i = 0; i < 8; i++)
		o[i] = malloc(72);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(a);
	for (int i = 0; i < 8; i++)
		free(o[i]);
	free(a); /* the double free */
	int dup = 0;
	for (int i = 0; i < 12 && !dup; i++) {
		r[i] = calloc(1, 72);
		for (int j = 0; j < i; j++)
			dup |= r[i] != NULL && r[i] == r[j];
	}
	return corpus_result(dup);
}
