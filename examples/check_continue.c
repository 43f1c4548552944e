/* SPDX-License-Identifier: MIT */
/* check=1: two different heap errors in one run, both reported, and the program goes on.
 * With check=1 heapguard prints each diagnostic and continues: the bad chunk
 * is isolated for ever and the allocator stays consistent.
 * heapguard-demo: --no-run --check=1 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char *a = malloc(32);
	char *b = malloc(40);
	char *c;

	if (a == NULL || b == NULL)
		return 1;
	free(a);
	free(a);	    /* error 1: double-free */
	memset(b, 'y', 41); /* error 2: one byte past the 40-byte block */
	free(b);	    /* ... caught here as heap-overflow */
	/* the heap still works after both errors */
	c = malloc(100);
	if (c == NULL)
		return 1;
	strcpy(c, "still running after two heap errors");
	puts(c);
	free(c);
	return 0;
}
