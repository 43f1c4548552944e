/* SPDX-License-Identifier: MIT */
/* Zero-byte blocks: malloc(0) lost (leak_zero: 1 block, 0 bytes) and
 * malloc(0) kept in a global (keep_zero: reachable, 1 block, 0 bytes). */
#include <stdlib.h>
#include "lk.h"

void *zero_ref;

LK_SITE void leak_zero(void)
{
	void *volatile p = malloc(0);

	if (p == NULL)
		abort();
	p = NULL;
}

LK_SITE void keep_zero(void)
{
	zero_ref = malloc(0);
}

int main(void)
{
	leak_zero();
	keep_zero();
	lk_scrub_stack();
	return 0;
}
