/* SPDX-License-Identifier: MIT */
/* malloc_info(3) prints the heap in glibc's XML shape.
 * Free chunks by size class, per arena and in total, after a mix of small,
 * large and mmap'd allocations.
 * heapguard-demo: --no-run */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	void *small[64], *large[8], *huge;

	for (int i = 0; i < 64; i++)
		small[i] = malloc(24 + (size_t)i * 8);
	for (int i = 0; i < 8; i++)
		large[i] = malloc(2048 + (size_t)i * 4096);
	huge = malloc(1 << 20); /* above the 128 KiB mmap threshold */
	for (int i = 0; i < 64; i += 3)
		free(small[i]);
	free(large[2]);
	free(large[5]);
	if (malloc_info(0, stdout) != 0)
		return 1;
	free(huge);
	return 0;
}
