/* SPDX-License-Identifier: MIT */
/* exit() called from a nested function while main() still holds a pointer in
 * a local: main's frame is live, so the block is reachable (128 bytes);
 * a second block, dropped before, is lost (20 bytes). */
#include <stdlib.h>
#include <string.h>
#include "lk.h"

LK_SITE void *keep_on_stack(void)
{
	void *p = malloc(128);

	memset(p, 'k', 128);
	return p;
}

LK_SITE void leak_before_exit(void)
{
	char *volatile p = malloc(20);

	memset(p, 'e', 20);
	p = NULL;
}

LK_SITE static void finish(int status)
{
	lk_scrub_stack();
	exit(status);
}

int main(void)
{
	void *volatile held = keep_on_stack();

	leak_before_exit();
	finish(0);
	return held != NULL;
}
