/* SPDX-License-Identifier: MIT */
/* mallopt calls (thresholds, top pad, arena max, perturb off) and
 * malloc_trim in the middle of a workload with live blocks. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024);
	mallopt(M_TOP_PAD, 64 * 1024);
	mallopt(M_ARENA_MAX, 2);
	mallopt(M_MXFAST, 64);
	char *p[1000];
	for (int i = 0; i < 1000; i++) {
		p[i] = malloc((size_t)(i % 50) * 40 + 8);
		memset(p[i], 2, (size_t)(i % 50) * 40 + 8);
	}
	for (int i = 0; i < 1000; i += 2)
		free(p[i]);
	malloc_trim(0);
	for (int i = 0; i < 1000; i += 2)
		p[i] = malloc(100000 + (size_t)i);
	malloc_trim(4096);
	for (int i = 0; i < 1000; i++)
		free(p[i]);
	malloc_trim(0);
	return 0;
}
