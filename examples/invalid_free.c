/* SPDX-License-Identifier: MIT */
/* invalid-free: free() is given a pointer into the middle of a block.
 * heapguard checks the range and alignment of every pointer before reading
 * any header, so it reports invalid-free instead of crashing.
 * heapguard-demo: --no-run
 * heapguard-demo-expect: 134 (SIGABRT: heapguard stops the program at the heap error, check=3) */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	char *block = malloc(64);
	char *middle;

	if (block == NULL)
		return 1;
	middle = block + 16; /* inside the block, not its start */
	printf("freeing %p, 16 bytes into the block at %p\n", (void *)middle, (void *)block);
	fflush(stdout);
	free(middle); /* BUG: not a pointer malloc() returned */
	puts("not reached under heapguard (check=3)");
	free(block);
	return 0;
}
