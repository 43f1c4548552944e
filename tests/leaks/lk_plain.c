/* SPDX-License-Identifier: MIT */
/* One plain lost block: 100 bytes from leak_plain(), nothing else left. */
#include <stdlib.h>
#include <string.h>
#include "lk.h"

LK_SITE void leak_plain(void)
{
	char *volatile p = malloc(100);

	memset(p, 'a', 100);
	p = NULL;
}

LK_SITE static void use_and_free(void)
{
	char *volatile p = malloc(50);

	memset(p, 'b', 50);
	free(p);
}

int main(void)
{
	use_and_free();
	leak_plain();
	lk_scrub_stack();
	return 0;
}
