/* SPDX-License-Identifier: MIT */
/* main() returns while its local holds the only pointer to a block: once
 * main has returned its frame is dead, so the block is lost (144 bytes),
 * unlike lk_stack where exit() is called from inside main. */
#include <stdlib.h>
#include <string.h>
#include "lk.h"

LK_SITE void *keep_until_return(void)
{
	void *p = malloc(144);

	memset(p, 'r', 144);
	return p;
}

int main(void)
{
	void *volatile held = keep_until_return();

	lk_scrub_stack();
	return held == NULL;
}
