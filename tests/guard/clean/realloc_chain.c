/* SPDX-License-Identifier: MIT */
/* A realloc chain growing from 1 byte to 4 MiB and shrinking back, across
 * the mmap threshold both ways, checking the contents all along. */
#include <stdlib.h>
#include <string.h>

static int check(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 7))
			return 1;
	return 0;
}

int main(void)
{
	size_t n = 1;
	unsigned char *p = malloc(n);
	p[0] = 0;
	while (n < 4u << 20) {
		size_t m = n * 3 / 2 + 1;
		p = realloc(p, m);
		if (p == NULL || check(p, n))
			return 1;
		for (size_t i = n; i < m; i++)
			p[i] = (unsigned char)(i * 7);
		n = m;
	}
	while (n > 1) {
		n = n / 3;
		if (n == 0)
			n = 1;
		p = realloc(p, n);
		if (p == NULL || check(p, n))
			return 2;
	}
	free(p);
	return 0;
}
