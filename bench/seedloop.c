/* SPDX-License-Identifier: MIT */
/* The seed's loop: N x malloc(100)/free.  Usage: seedloop [N] */
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	for (long i = 0; i < n; i++) {
		char *volatile p = malloc(100);
		p[0] = (char)i;
		free(p);
	}
	return 0;
}
