/* SPDX-License-Identifier: MIT */
/* calloc of small and big blocks (including mmapped ones and reused ones)
 * is zeroed and fully writable; calloc overflow returns NULL. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	size_t sizes[] = {1, 8, 24, 100, 1000, 5000, 130000, 1u << 22};
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
			unsigned char *p = calloc(sizes[i], 1);
			for (size_t j = 0; j < sizes[i]; j++)
				if (p[j] != 0)
					return 1;
			memset(p, 0xff, sizes[i]);
			free(p);
		}
	errno = 0;
	if (calloc(SIZE_MAX / 2, 3) != NULL || errno != ENOMEM)
		return 2;
	return 0;
}
