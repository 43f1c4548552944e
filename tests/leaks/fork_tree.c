/* SPDX-License-Identifier: MIT */
/* Fork provenance (test_fork_tree.sh): a process reports only the blocks
 * it allocated itself.
 *   fork_tree tree: the parent loses a block (parent_leak), then forks 8
 *     children; each loses one of its own (child_leak) and calls exit(0).
 *   fork_tree idle: the parent keeps 1000 blocks and forks a child that
 *     calls exit(0) at once, holding nothing of its own.
 * Prints "parent PID" and one "child PID" line per child. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lk.h"

void *kept[1000];

LK_SITE void parent_leak(void)
{
	char *volatile p = malloc(111);

	memset(p, 'p', 111);
	p = NULL;
}

LK_SITE void child_leak(void)
{
	char *volatile p = malloc(222);

	memset(p, 'c', 222);
	p = NULL;
}

LK_SITE void keep_in_parent(void)
{
	for (int i = 0; i < 1000; i++)
		kept[i] = malloc(64);
}

static pid_t spawn(int leak)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (leak)
			child_leak();
		lk_scrub_stack();
		exit(0);
	}
	return pid;
}

int main(int argc, char **argv)
{
	int tree = argc > 1 && strcmp(argv[1], "tree") == 0;
	int n = tree ? 8 : 1;
	pid_t pids[8];

	if (tree)
		parent_leak();
	else
		keep_in_parent();
	lk_scrub_stack();
	for (int i = 0; i < n; i++)
		if ((pids[i] = spawn(tree)) < 0)
			return 1;
	for (int i = 0; i < n; i++) {
		int status;
		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			return 1;
		dprintf(1, "child %d\n", (int)pids[i]);
	}
	dprintf(1, "parent %d\n", (int)getpid());
	lk_scrub_stack();
	return 0;
}
