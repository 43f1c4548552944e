/* SPDX-License-Identifier: MIT */
/* unsorted_bin_attack: overwrite a free unsorted chunk's bk with
 * &target - 2 words; taking the chunk would write the bin's address into
 * target.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: "malloc(): unsorted double linked list corrupted". */
#include "corpus.h"

static size_t target[4];

int main(void)
{
	size_t *p = malloc(0x410);
	corpus_sink = malloc(0x18);
	free(p); /* unsorted */
	p[1] = (size_t)&target[0]; /* bk: bk->fd is target[2] */
	corpus_sink = malloc(0x410);
	return corpus_result(target[2] != 0);
}
