/* SPDX-License-Identifier: MIT */
/* A header copied from a real chunk to a forged one (inside a live block):
 * a keyed checksum bound to the chunk address must reject it.
 * EXPECT-FULL: header-corruption,invalid-free
 * EXPECT-FAST: header-corruption,invalid-free
 * glibc 2.36: attack succeeds (the interior chunk is freed and reused). */
#include "corpus.h"

int main(void)
{
	char *real = malloc(0x28);
	char *big = calloc(1, 0x200);
	memcpy(big + 0x100 - 16, real - 16, 16); /* header copy */
	free(big + 0x100); /* the misuse */
	char *q = malloc(0x28);
	return corpus_result(q == big + 0x100);
}
