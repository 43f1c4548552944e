/* SPDX-License-Identifier: MIT */
/* A fork tree for the run view: the parent loses one block (parent_leak),
 * then forks 8 children that each lose one block of their own (child_leak)
 * and exit(0).  In a run: one site at parent_leak in 1 process and one at
 * child_leak in 8; no child reports its parent's block again. */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC optimize("O0") /* each malloc stays in its function */

#define CHILDREN 8

__attribute__((noinline)) void parent_leak(void)
{
	char *volatile p = malloc(111);

	memset(p, 'p', 111);
	p = NULL;
}

__attribute__((noinline)) void child_leak(void)
{
	char *volatile p = malloc(222);

	memset(p, 'c', 222);
	p = NULL;
}

/* Zero the dead stack below the caller, where the leaked pointers were. */
__attribute__((noinline)) static void scrub_stack(void)
{
	volatile char buf[65536];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = 0;
}

int main(void)
{
	int status, failed = 0;

	parent_leak();
	scrub_stack();
	for (int i = 0; i < CHILDREN; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			child_leak();
			scrub_stack();
			exit(0);
		}
	}
	for (int i = 0; i < CHILDREN; i++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	scrub_stack();
	return failed;
}
