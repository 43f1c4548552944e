/* SPDX-License-Identifier: MIT */
/* A small program for tests/options: allocates, grows and frees blocks of
 * every size class up to past the mmap threshold, checks their contents and
 * prints one line, so a run under any configuration either works or shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	static void *blocks[512];
	unsigned long sum = 0;

	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 512; i++) {
			size_t n = (size_t)1 << (i % 19);
			unsigned char *p = malloc(n);
			if (p == NULL)
				return 1;
			memset(p, i & 0xff, n);
			p = realloc(p, n + 17);
			if (p == NULL || p[n - 1] != (i & 0xff))
				return 1;
			blocks[i] = p;
			sum += n;
		}
		for (int i = 0; i < 512; i++)
			free(blocks[i]);
	}
	printf("workload ok %lu\n", sum);
	return 0;
}
