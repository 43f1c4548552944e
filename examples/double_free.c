/* SPDX-License-Identifier: MIT */
/* double-free: the same block is freed twice, with other frees in between.
 * heapguard catches the second free() (at both levels), prints a double-free
 * diagnostic and, with the default check=3, aborts with SIGABRT.
 * heapguard-demo: --no-run
 * heapguard-demo-expect: 134 (SIGABRT: heapguard stops the program at the heap error, check=3) */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	char *a = malloc(40);
	char *b = malloc(40);
	char *c = malloc(40);

	if (a == NULL || b == NULL || c == NULL)
		return 1;
	free(a);
	free(b); /* other frees between the two frees of a do not hide it */
	free(c);
	printf("freeing %p a second time\n", (void *)a);
	fflush(stdout);
	free(a); /* BUG: a was already freed above */
	puts("not reached under heapguard (check=3)");
	return 0;
}
