/* SPDX-License-Identifier: MIT */
/* 2000 blocks of mixed sizes freed in reverse order, then 2000 more freed
 * in a pseudo-random order. */
#include <stdlib.h>
#include <string.h>

#define N 2000

int main(void)
{
	static char *p[N];
	unsigned r = 12345;
	for (int i = 0; i < N; i++) {
		size_t n = (size_t)(i * 37 % 3000) + 1;
		p[i] = malloc(n);
		memset(p[i], i, n);
	}
	for (int i = N - 1; i >= 0; i--)
		free(p[i]);
	for (int i = 0; i < N; i++) {
		r = r * 1103515245 + 12345;
		size_t n = (r >> 8) % 5000 + 1;
		p[i] = malloc(n);
		memset(p[i], i, n);
	}
	for (int i = N - 1; i > 0; i--) { /* shuffle */
		r = r * 1103515245 + 12345;
		int j = (int)((r >> 8) % (unsigned)(i + 1));
		char *t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	for (int i = 0; i < N; i++)
		free(p[i]);
	return 0;
}
