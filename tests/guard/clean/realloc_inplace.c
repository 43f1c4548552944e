/* SPDX-License-Identifier: MIT */
/* realloc growing and shrinking in place (the block is last before top,
 * then between neighbours), keeping its contents, up to usable size. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char *g = malloc(16);
	char *p = malloc(100);
	memset(p, 'x', 100);
	for (size_t n = 100; n < 60000; n += 1234) {
		p = realloc(p, n);
		if (p[0] != 'x' || p[99] != 'x')
			return 1;
		memset(p + 100, 'y', n - 100);
		memset(p, 'x', 100);
		memset(p + 100, 'z', malloc_usable_size(p) - 100);
	}
	char *q = malloc(16);
	for (size_t n = 60000; n > 777; n -= 777)
		p = realloc(p, n), memset(p, 'x', malloc_usable_size(p));
	free(q);
	free(p);
	free(g);
	return 0;
}
