/* SPDX-License-Identifier: MIT */
/* Small-bin bk forgery without the fake back-link house_of_lore needs:
 * the victim's bk points at an arbitrary stack buffer.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: "malloc(): smallbin double linked list corrupted". */
#include "corpus.h"

int main(void)
{
	size_t buf[8] __attribute__((aligned(16))) = {0};
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x80);
	size_t *victim = malloc(0x80);
	corpus_sink = malloc(0x18);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(victim);
	corpus_sink = malloc(0x500);  /* victim -> small bin */
	victim[1] = (size_t)buf;      /* the forged bk */
	char *q = calloc(1, 0x80);    /* calloc: skips the tcache */
	char *r = calloc(1, 0x80);
	corpus_sink = q;
	return corpus_result(r == (char *)&buf[2]);
}
