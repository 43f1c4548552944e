/* SPDX-License-Identifier: MIT */
/* fork(): both processes write their own report.  Before the fork a global
 * keeps 32 bytes (keep_before_fork, in both); then the child loses 222 bytes
 * (child_leak) and the parent 111 bytes (parent_leak).  Prints the pids. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lk.h"

void *before_fork;

LK_SITE void keep_before_fork(void)
{
	before_fork = malloc(32);
	memset(before_fork, 'f', 32);
}

LK_SITE void child_leak(void)
{
	char *volatile p = malloc(222);

	memset(p, 'c', 222);
	p = NULL;
}

LK_SITE void parent_leak(void)
{
	char *volatile p = malloc(111);

	memset(p, 'p', 111);
	p = NULL;
}

int main(void)
{
	int status;
	pid_t child;

	keep_before_fork();
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		child_leak();
		dprintf(1, "child %d\n", (int)getpid());
		lk_scrub_stack();
		exit(0);
	}
	parent_leak();
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	dprintf(1, "parent %d\n", (int)getpid());
	lk_scrub_stack();
	return 0;
}
