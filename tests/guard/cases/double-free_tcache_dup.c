/* SPDX-License-Identifier: MIT */
/* tcache_dup (tcache double free): free the same 32-byte chunk twice; two
 * later mallocs then return the same address.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: "free(): double free detected in tcache 2". */
#include "corpus.h"

int main(void)
{
	char *a = malloc(24);
	free(a);
	free(a); /* the misuse */
	char *b = malloc(24), *c = malloc(24);
	return corpus_result(b != NULL && b == c);
}
