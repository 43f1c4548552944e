/* SPDX-License-Identifier: MIT */
/* One million small blocks allocated, written and freed (first all, then
 * half interleaved). */
#include <stdlib.h>
#include <string.h>

#define N 1000000

int main(void)
{
	char **p = malloc(N * sizeof *p);
	for (int i = 0; i < N; i++) {
		p[i] = malloc((size_t)(i & 63) + 1);
		p[i][0] = (char)i;
	}
	for (int i = 0; i < N; i += 2)
		free(p[i]);
	for (int i = 0; i < N; i += 2)
		p[i] = malloc(24);
	for (int i = 0; i < N; i++)
		free(p[i]);
	free(p);
	return 0;
}
