/* SPDX-License-Identifier: MIT */
/* realloc chains: the site of a lost block is its last realloc.  16 -> 100 ->
 * 1000 -> 5000 -> 3000 (shrink_buffer), 1000 -> 300000 (grow_huge, an mmap'd
 * chunk), realloc(NULL, 77) (realloc_from_null), reallocarray(NULL, 7, 9). */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include "lk.h"

LK_SITE char *start_buffer(size_t size)
{
	char *p = malloc(size);

	memset(p, 's', size);
	return p;
}

LK_SITE char *grow_buffer(char *p)
{
	static const size_t sizes[] = { 100, 1000, 5000 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = realloc(p, sizes[i]);
		p[sizes[i] - 1] = 'g';
	}
	return p;
}

LK_SITE char *shrink_buffer(char *p)
{
	return realloc(p, 3000);
}

LK_SITE char *grow_huge(char *p)
{
	p = realloc(p, 300000);
	p[299999] = 'h';
	return p;
}

LK_SITE void realloc_from_null(void)
{
	char *volatile p = realloc(NULL, 77);

	memset(p, 'n', 77);
	p = NULL;
}

LK_SITE void leak_reallocarray(void)
{
	char *volatile p = reallocarray(NULL, 7, 9);

	memset(p, 'a', 63);
	p = NULL;
}

LK_SITE static void lose_chains(void)
{
	char *volatile p = shrink_buffer(grow_buffer(start_buffer(16)));
	char *volatile q = grow_huge(start_buffer(1000));

	p[0] = q[0] = 'x';
	p = q = NULL;
}

int main(void)
{
	lose_chains();
	realloc_from_null();
	leak_reallocarray();
	lk_scrub_stack();
	return 0;
}
