/* SPDX-License-Identifier: MIT */
/* Double free with 7 frees of the same size in between: the chunk is at
 * the bottom of a full tcache bin, one more chunk went to the fastbin.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: "free(): double free detected in tcache 2". */
#include "corpus.h"

int main(void)
{
	void *a = malloc(32), *o[7], *r[9];
	for (int i = 0; i < 7; i++)
		o[i] = malloc(32);
	free(a);
	for (int i = 0; i < 7; i++)
		free(o[i]);
	free(a); /* the double free */
	int dup = 0;
	for (int i = 0; i < 9 && !dup; i++) {
		r[i] = malloc(32);
		for (int j = 0; j < i; j++)
			dup |= r[i] != NULL && r[i] == r[j];
	}
	return corpus_result(dup);
}
