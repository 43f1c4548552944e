/* SPDX-License-Identifier: MIT */
/* Lost blocks from every other allocation function: memalign, posix_memalign
 * (small and mmap'd), aligned_alloc, calloc and valloc, one site each. */
#define _DEFAULT_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "lk.h"

LK_SITE void leak_memalign(void)
{
	char *volatile p = memalign(64, 100);

	memset(p, 1, 100);
	p = NULL;
}

LK_SITE void leak_posix_memalign(void)
{
	void *q = NULL;

	if (posix_memalign(&q, 256, 200) == 0)
		memset(q, 2, 200);
	q = NULL;
}

LK_SITE void leak_big_aligned(void)
{
	void *q = NULL;

	if (posix_memalign(&q, 64, 200000) == 0)
		memset(q, 3, 200000);
	q = NULL;
}

LK_SITE void leak_aligned_alloc(void)
{
	char *volatile p = aligned_alloc(4096, 8192);

	memset(p, 4, 8192);
	p = NULL;
}

LK_SITE void leak_calloc(void)
{
	char *volatile p = calloc(10, 12);

	p[0] = 5;
	p = NULL;
}

LK_SITE void leak_valloc(void)
{
	char *volatile p = valloc(1000);

	memset(p, 6, 1000);
	p = NULL;
}

int main(void)
{
	leak_memalign();
	leak_posix_memalign();
	leak_big_aligned();
	leak_aligned_alloc();
	leak_calloc();
	leak_valloc();
	lk_scrub_stack();
	return 0;
}
