/* SPDX-License-Identifier: MIT */
/* stats_at_exit=1: malloc_stats() output is printed to stderr at exit.
 * The program leaves 500 chunks live with holes between them, so the arena's
 * system bytes and in-use bytes differ.
 * heapguard-demo: --no-run --stats_at_exit=1 */
#include <stdio.h>
#include <stdlib.h>

#define NCHUNKS 1000

int main(void)
{
	static void *chunks[NCHUNKS];
	size_t live = 0;

	for (int i = 0; i < NCHUNKS; i++)
		chunks[i] = malloc(16 + (size_t)(i % 64) * 24);
	/* free every other chunk: the heap keeps holes between live chunks */
	for (int i = 0; i < NCHUNKS; i += 2) {
		free(chunks[i]);
		chunks[i] = NULL;
	}
	for (int i = 0; i < NCHUNKS; i++)
		live += chunks[i] != NULL;
	printf("%zu chunks still allocated at exit\n", live);
	return 0;
}
