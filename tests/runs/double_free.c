/* SPDX-License-Identifier: MIT */
/* One double free, then a normal exit: under check=1 heapguard reports it
 * and the program goes on to return 0 (error_exitcode= then decides the
 * status).  Prints "survived" after the error. */
#include <stdio.h>
#include <stdlib.h>

#pragma GCC optimize("O0") /* the misuse stays as written */

int main(void)
{
	char *volatile p = malloc(48);

	free(p);
	free(p);
	puts("survived");
	return 0;
}
