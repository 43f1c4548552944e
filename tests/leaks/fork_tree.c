/* SPDX-License-Identifier: MIT */
/* Fork provenance (test_fork_tree.sh): a process reports only the blocks
 * it allocated itself.
 *   fork_tree tree: the parent loses a block (parent_leak), then forks 8
 *     children; each loses one of its own (child_leak) and calls exit(0).
 *   fork_tree idle: the parent keeps 1000 blocks and forks a child that
 *     calls exit(0) at once, holding nothing of its own.
 *   fork_tree empty: no fork; the process allocates 1000 blocks, frees
 *     them all and exits holding nothing.
 *   fork_tree thread: no fork; the main thread allocates and frees 1000
 *     blocks, and a second thread loses one (thread_leak) before it ends.
 *   fork_tree header: no fork; main's stack holds only the address of a
 *     block's chunk header (16 bytes below the block, as malloc holds it
 *     before it returns), a global only that of another's: the first is
 *     reachable (a thread paused inside malloc holds its block so), the
 *     second lost (global_header_block).
 * Prints "parent PID" and one "child PID" line per child. */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdint.h>
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

LK_SITE void *thread_leak(void *arg)
{
	char *volatile p = malloc(333);

	memset(p, 't', 333);
	p = NULL;
	return arg;
}

uintptr_t in_global;

LK_SITE uintptr_t stack_header_block(void)
{
	char *volatile p = malloc(48);

	memset(p, 's', 48);
	return (uintptr_t)p - 16;
}

LK_SITE void global_header_block(void)
{
	char *volatile p = malloc(40);

	memset(p, 'g', 40);
	in_global = (uintptr_t)p - 16;
	p = NULL;
}

static void free_kept(void)
{
	for (int i = 0; i < 1000; i++)
		free(kept[i]);
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
	const char *mode = argc > 1 ? argv[1] : "idle";
	int tree = strcmp(mode, "tree") == 0;
	int n = tree ? 8 : 1;
	pid_t pids[8];

	if (strcmp(mode, "header") == 0) {
		volatile uintptr_t on_stack = stack_header_block();
		global_header_block();
		lk_scrub_stack();
		dprintf(1, "parent %d\n", (int)getpid());
		exit(on_stack == 0); /* main's frame stays live */
	}
	if (strcmp(mode, "empty") == 0 || strcmp(mode, "thread") == 0) {
		keep_in_parent();
		free_kept();
		if (mode[0] == 't') {
			pthread_t t;
			if (pthread_create(&t, NULL, thread_leak, NULL) != 0 ||
			    pthread_join(t, NULL) != 0)
				return 1;
		}
		lk_scrub_stack();
		dprintf(1, "parent %d\n", (int)getpid());
		return 0;
	}

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
