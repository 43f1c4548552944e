/* SPDX-License-Identifier: MIT */
/* Double free with 100 frees of the same size in between (tcache full,
 * the rest in the fastbin), then 120 mallocs looking for a duplicate.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: "free(): double free detected in tcache 2". */
#include "corpus.h"

int main(void)
{
	void *a = malloc(48), *o[100], *r[120];
	for (int i = 0; i < 100; i++)
		o[i] = malloc(48);
	free(a);
	for (int i = 0; i < 100; i++)
		free(o[i]);
	free(a); /* the double free */
	int dup = 0;
	for (int i = 0; i < 120 && !dup; i++) {
		r[i] = calloc(1, 48);
		for (int j = 0; j < i; j++)
			dup |= r[i] != NULL && r[i] == r[j];
	}
	return corpus_result(dup);
}
