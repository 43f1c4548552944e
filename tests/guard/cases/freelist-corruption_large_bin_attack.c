/* SPDX-License-Identifier: MIT */
/* large_bin_attack (2.30+ variant): p1 in a large bin gets its
 * bk_nextsize pointed at &target - 4 words; inserting the smaller p2 into
 * the same bin writes p2's chunk address into target.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

static size_t target[8];

int main(void)
{
	size_t *p1 = malloc(0x428);
	corpus_sink = malloc(0x18);
	size_t *p2 = malloc(0x418);
	corpus_sink = malloc(0x18);
	free(p1);
	corpus_sink = malloc(0x438);		 /* p1 -> large bin */
	free(p2);				 /* unsorted */
	p1[3] = (size_t)&target[0];		 /* bk_nextsize: target[4] written */
	corpus_sink = malloc(0x438);		 /* p2 -> large bin */
	return corpus_result(target[4] == (size_t)(p2 - 2));
}
