/* SPDX-License-Identifier: MIT */
/* fastbin_dup_consolidate: p1 goes to a fastbin (tcache bin full); a large
 * request consolidates it into the top and gets the same address back as
 * p2; free(p1) through the stale pointer then frees the live p2, and the
 * next malloc(0x400) returns p2 a second time.
 * Without a quarantine (level=fast) p1 == p2 and the stale free is, to any
 * allocator, a valid free of p2: not detectable there.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: undetectable
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x40);
	char *p1 = malloc(0x40);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(p1);		  /* fastbin */
	char *p2 = malloc(0x400); /* consolidation: p2 == p1 in glibc */
	free(p1);		  /* the double free (of p2, if p2 == p1) */
	char *p3 = malloc(0x400);
	return corpus_result(p3 != NULL && p3 == p2);
}
