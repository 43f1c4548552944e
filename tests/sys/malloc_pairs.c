/* SPDX-License-Identifier: MIT */
/* The seed's program: N malloc(size)/free pairs (N and size from the
 * command line, defaults 1 and 100). Run by test_syscalls.sh under strace
 * to prove that malloc is not a system call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
	size_t size = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100;
	unsigned long sum = 0;
	for (long i = 0; i < n; i++) {
		/* volatile: keep the compiler from eliding the pair */
		char *volatile p = malloc(size);
		if (p == NULL) {
			fprintf(stderr, "malloc(%zu) failed\n", size);
			return 1;
		}
		p[0] = (char)i;
		sum += (unsigned char)p[0];
		free(p);
	}
	printf("%ld pairs of %zu bytes (%lu)\n", n, size, sum);
	return 0;
}
