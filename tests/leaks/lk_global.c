/* SPDX-License-Identifier: MIT */
/* Blocks still reachable at exit from a global in .bss, a global in .data
 * and a static variable inside a function; one lost block beside them. */
#include <stdlib.h>
#include <string.h>
#include "lk.h"

void *global_ptr;
struct holder {
	long tag;
	void *ptr;
} data_holder = { 7, NULL };

LK_SITE void keep_in_global(void)
{
	global_ptr = malloc(200);
	memset(global_ptr, 'g', 200);
}

LK_SITE void keep_in_data(void)
{
	data_holder.ptr = malloc(64);
	memset(data_holder.ptr, 'd', 64);
}

LK_SITE void *keep_in_static(void)
{
	static void *kept;

	if (!kept)
		kept = malloc(300);
	return kept;
}

LK_SITE void leak_beside_globals(void)
{
	char *volatile p = malloc(10);

	memset(p, 'x', 10);
	p = NULL;
}

int main(void)
{
	keep_in_global();
	keep_in_data();
	memset(keep_in_static(), 's', 300);
	leak_beside_globals();
	lk_scrub_stack();
	return 0;
}
