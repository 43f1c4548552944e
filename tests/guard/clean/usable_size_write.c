/* SPDX-License-Identifier: MIT */
/* Writing exactly up to malloc_usable_size() is legal, for every request
 * size from 0 to 2100 and a few mmapped ones. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	for (size_t n = 0; n <= 2100; n++) {
		char *p = malloc(n);
		if (p == NULL)
			return 1;
		size_t u = malloc_usable_size(p);
		if (u < n)
			return 2;
		memset(p, 0xa5, u);
		free(p);
	}
	for (size_t n = 128 * 1024; n <= 1024 * 1024; n += 200003) {
		char *p = malloc(n);
		size_t u = malloc_usable_size(p);
		memset(p, 0x5a, u);
		free(p);
	}
	return 0;
}
