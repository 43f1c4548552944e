/* SPDX-License-Identifier: MIT */
/* Ten blocks lost from one site in a loop: sizes 16, 24, ..., 88, so the
 * site aggregates 10 blocks, 520 bytes, smallest 16, largest 88. */
#include <stdlib.h>
#include <string.h>
#include "lk.h"

LK_SITE void leak_in_loop(size_t size)
{
	char *volatile p = malloc(size);

	memset(p, 'l', size);
	p = NULL;
}

int main(void)
{
	for (size_t i = 0; i < 10; i++)
		leak_in_loop(16 + 8 * i);
	lk_scrub_stack();
	return 0;
}
