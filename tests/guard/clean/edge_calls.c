/* SPDX-License-Identifier: MIT */
/* free(NULL), realloc(NULL, n), realloc(p, 0), malloc(0) as unique
 * pointers, reallocarray (and its overflow), zero-length memcpy at the end
 * of a block. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	free(NULL);
	char *p = realloc(NULL, 10);
	memset(p, 1, 10);
	p = realloc(p, 0); /* frees, returns NULL in glibc */
	free(p);
	void *z[100];
	for (int i = 0; i < 100; i++) {
		z[i] = malloc(0);
		if (z[i] == NULL)
			return 1;
		for (int j = 0; j < i; j++)
			if (z[j] == z[i])
				return 2;
	}
	for (int i = 0; i < 100; i++)
		free(z[i]);
	int *a = reallocarray(NULL, 100, sizeof(int));
	memset(a, 0, 100 * sizeof(int));
	a = reallocarray(a, 1000, sizeof(int));
	memset(a, 0, 1000 * sizeof(int));
	errno = 0;
	if (reallocarray(a, SIZE_MAX / 2, 4) != NULL || errno != ENOMEM)
		return 3;
	free(a);
	char *b = malloc(33), src[1] = {0};
	memcpy(b + 33, src, 0); /* zero-length at the very end */
	memmove(b + 33, b, 0);
	memset(b + 33, 0, 0);
	free(b);
	return 0;
}
