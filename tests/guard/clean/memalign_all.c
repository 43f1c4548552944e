/* SPDX-License-Identifier: MIT */
/* Every memalign variant (memalign, posix_memalign, aligned_alloc, valloc,
 * pvalloc) with alignments 8..1 MiB and several sizes; the whole requested
 * block is written, and up to malloc_usable_size too. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int use(void *p, size_t align, size_t n)
{
	if (p == NULL || ((uintptr_t)p & (align - 1)) != 0)
		return 1;
	memset(p, 0x33, n);
	memset(p, 0x44, malloc_usable_size(p));
	free(p);
	return 0;
}

int main(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t sizes[] = {1, 7, 16, 24, 100, 1000, 4096, 5000, 70000, 300000};
	int bad = 0;
	for (size_t a = 8; a <= 1u << 20; a <<= 1) {
		for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
			size_t n = sizes[i];
			void *p;
			bad |= use(memalign(a, n), a, n);
			if (posix_memalign(&p, a, n) != 0)
				return 2;
			bad |= use(p, a, n);
			bad |= use(aligned_alloc(a, (n + a - 1) / a * a), a, (n + a - 1) / a * a);
		}
	}
	for (size_t n = 1; n < 3 * pg; n += 999) {
		bad |= use(valloc(n), pg, n);
		bad |= use(pvalloc(n), pg, (n + pg - 1) / pg * pg);
	}
	return bad;
}
