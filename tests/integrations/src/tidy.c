/* SPDX-License-Identifier: MIT */
/* A test of the tiny projects in which heapguard finds nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char *volatile p = malloc(64);

	if (p == NULL)
		return 1;
	strcpy(p, "tidy");
	puts(p);
	free(p);
	return 0;
}
