/* SPDX-License-Identifier: MIT */
/* A test of the tiny projects with a planted leak: it passes, and loses
 * 100 bytes allocated in make_lost_buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile escape;

__attribute__((noinline)) static void make_lost_buffer(void)
{
	char *p = malloc(100);

	if (p != NULL)
		memset(p, 'x', 100);
	escape = p;
}

int main(void)
{
	make_lost_buffer();
	escape = NULL; /* the only pointer to the block, gone */
	puts("leak: done");
	return 0;
}
