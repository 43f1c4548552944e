/* SPDX-License-Identifier: MIT */
/* The program tests/secure/test_setuid.sh installs set-user-ID and
 * set-group-ID.  It is linked with the allocator itself (preload/api.c and
 * libhgcore), since glibc does not preload a library from a path into such
 * a program.  It prints whether it runs in secure mode and whether
 * MALLOC_PERTURB_=90 took effect (malloc fills with 90 ^ 0xff), and leaves
 * one block behind so that a leak report, if one is written, is not empty. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

static void *lost;

int main(void)
{
	unsigned char *p = malloc(200);
	int perturbed = 1;

	if (p == NULL)
		return 1;
	for (int i = 0; i < 200; i++)
		if (p[i] != (90 ^ 0xff))
			perturbed = 0;
	free(p);
	lost = malloc(77);
	lost = NULL;
	printf("secure=%lu euid=%d egid=%d perturbed=%d\n", getauxval(AT_SECURE),
	       (int)geteuid(), (int)getegid(), perturbed);
	return 0;
}
