/* SPDX-License-Identifier: MIT */
/* A test of the tiny projects with a planted double free, which otherwise
 * passes (glibc would abort; heapguard at check=1 reports and goes on). */
#include <stdio.h>
#include <stdlib.h>

#pragma GCC optimize("O0") /* the misuse stays as written */

static void release(char *p)
{
	free(p);
}

int main(void)
{
	char *volatile p = malloc(48);

	release(p);
	release(p);
	puts("double_free: done");
	return 0;
}
