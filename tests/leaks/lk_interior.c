/* SPDX-License-Identifier: MIT */
/* Interior pointers.  A global keeps only &block[100] of a 256-byte block:
 * heapguard counts it reachable, Valgrind "possibly lost".  A lost 16-byte
 * block holds only &target[20] of a 40-byte block: that one is indirect. */
#include <stdlib.h>
#include <string.h>
#include "lk.h"

char *interior_ref;

LK_SITE void keep_interior(void)
{
	char *p = malloc(256);

	memset(p, 'i', 256);
	interior_ref = p + 100;
}

LK_SITE char *lost_target(void)
{
	char *p = malloc(40);

	memset(p, 't', 40);
	return p;
}

LK_SITE void lost_holder(char *target)
{
	char **volatile h = malloc(16);

	h[0] = target + 20;
	h[1] = NULL;
	h = NULL;
}

int main(void)
{
	keep_interior();
	lost_holder(lost_target());
	lk_scrub_stack();
	return 0;
}
