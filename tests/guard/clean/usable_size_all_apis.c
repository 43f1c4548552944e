/* SPDX-License-Identifier: MIT */
/* Blocks from every allocation function written up to their reported
 * malloc_usable_size, then realloc'ed and freed. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fill(void *p)
{
	memset(p, 0x77, malloc_usable_size(p));
}

int main(void)
{
	for (size_t n = 1; n < 70000; n = n * 2 + 3) {
		void *v[7], *pm;
		v[0] = malloc(n);
		v[1] = calloc(n, 1);
		v[2] = memalign(32, n);
		v[3] = posix_memalign(&pm, 64, n) == 0 ? pm : NULL;
		v[4] = aligned_alloc(128, (n + 127) & ~(size_t)127);
		v[5] = valloc(n);
		v[6] = reallocarray(NULL, n, 1);
		for (int i = 0; i < 7; i++) {
			if (v[i] == NULL)
				return 1;
			fill(v[i]);
			v[i] = realloc(v[i], n + 100);
			fill(v[i]);
			free(v[i]);
		}
	}
	return 0;
}
