/* SPDX-License-Identifier: MIT */
/* A fork child's own blocks beside a big inherited heap (test_fork_own.sh).
 * The parent keeps a table of 50,000 blocks of 64 bytes (the table is a
 * block of 400 KB itself), forks one child and waits for it; then prints
 * "child PID STATUS" (STATUS as waitpid gives it) and "parent PID".
 *   fork_own own: the child
 *     a  (100 bytes) stores it into the table's last slot, written after
 *        the fork: reachable through an inherited block;
 *     b  (200) drops it: lost;
 *     c1 frees the block in table[5], allocates 64 bytes (at level=fast the
 *        same address again) and stores it into table[5]: reachable;
 *     c2 frees the block in table[30000] (a page of the table the child
 *        does not write), allocates 64 bytes and drops them: lost, though
 *        the stale table[30000] may hold the very address;
 *     d  (300) keeps it in a global: reachable;
 *     f  (500) referenced only from g (600), which it drops: f indirect,
 *        g lost;
 *     and prints "reused N": how many of c1, c2 got their address back.
 *   fork_own thread: the same but c2, after a thread of the child's
 *     allocated and freed a block: the child cannot know its blocks alone
 *     and classifies every live block.
 *   fork_own many: the same but c2, after the child allocated 40,000 blocks
 *     of its own (kept, reachable from a global): more than its note of
 *     its blocks holds, so it classifies every live block.
 *   fork_own forked: the same but c2, after the child forked a child of
 *     its own (which exits at once).
 *   fork_own forked_late: the same but c2, then the child forks a child
 *     of its own that is still alive when the child exits (it waits for
 *     the end of a pipe the child holds): every page the child wrote,
 *     a's slot in the table among them, is shared with it then.  Both
 *     still classify their own blocks only (the pages written before the
 *     fork were noted at the fork).
 *   fork_own overflow_own: the child writes one byte past a block of its
 *     own (level=full's canary) and exits: its exit's heap check sees it.
 *   fork_own header_own: the child writes 16 bytes past a 24-byte block of
 *     its own, over the next chunk's header, and exits.
 *   fork_own overflow_inherited: the child writes one byte past an
 *     inherited block, then frees it.
 *   fork_own overflow_own_forked, header_own_forked: as overflow_own and
 *     header_own, after the child forked a child of its own. */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lk.h"

#define KEPT 50000

void **table;
void *global_d;
void **global_many;
static int reused;
/* 4 MiB of data the parent wrote before the fork: a root the child's scan
 * need not read, since it did not write it. */
void *parent_data[512 * 1024];

LK_SITE static void keep_in_parent(void)
{
	table = malloc((KEPT + 1) * sizeof(void *));
	for (int i = 0; i < KEPT; i++)
		table[i] = malloc(64);
	table[KEPT] = NULL;
	for (size_t i = 0; i < sizeof(parent_data) / sizeof(parent_data[0]); i++)
		parent_data[i] = table[i % KEPT];
}

LK_SITE static void child_a(void)
{
	table[KEPT] = malloc(100);
}

LK_SITE static void child_b(void)
{
	char *volatile p = malloc(200);
	memset(p, 'b', 200);
	p = NULL;
}

LK_SITE static void child_c1(void)
{
	void *old = table[5];
	free(old);
	table[5] = malloc(64);
	reused += table[5] == old;
}

LK_SITE static void child_c2(void)
{
	void *old = table[30000];
	free(old);
	char *volatile p = malloc(64);
	reused += (void *)p == old;
	memset(p, 'c', 64);
	p = NULL;
}

LK_SITE static void child_d(void)
{
	global_d = malloc(300);
}

LK_SITE static void child_fg(void)
{
	void **volatile g = malloc(600);
	g[0] = malloc(500);
	g = NULL;
}

static void *touch_heap(void *arg)
{
	free(malloc(32));
	return arg;
}

/* A child of the child's own, which exits at once. */
static void fork_and_wait(void)
{
	pid_t pid = fork();
	if (pid == 0)
		exit(0);
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		exit(3);
}

/* A child of the child's own, alive until the child exits: it reads a
 * pipe whose other end only the child holds. */
static void fork_and_leave(void)
{
	int fds[2];
	if (pipe(fds) != 0)
		exit(3);
	pid_t pid = fork();
	if (pid < 0)
		exit(3);
	if (pid == 0) {
		char c;
		close(fds[1]);
		while (read(fds[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(fds[0]);
}

LK_SITE static void child(const char *mode)
{
	char unforked[32];
	size_t len = strlen(mode);
	if (len > 7 && len - 7 < sizeof(unforked) && strcmp(mode + len - 7, "_forked") == 0) {
		fork_and_wait();
		memcpy(unforked, mode, len - 7);
		unforked[len - 7] = '\0';
		mode = unforked;
	}
	if (strcmp(mode, "overflow_own") == 0) {
		char *volatile p = malloc(40);
		global_d = (void *)p;
		p[40] = 'x';
		return;
	}
	if (strcmp(mode, "header_own") == 0) {
		char *volatile p = malloc(24);
		global_d = (void *)p;
		memset(p + 24, 0x41, 16);
		return;
	}
	if (strcmp(mode, "merged") == 0) {
		/* p merges backward into x when freed; the space is then
		 * handed out again and written past p's old header, over the
		 * header p's size pointed at.  p's old header, noted by the
		 * child as its own, must not be taken for a live block. */
		char *x = malloc(2000), *p = malloc(2000), *g = malloc(2000);
		memset(x, 1, 2000);
		memset(p, 2, 2000);
		free(x);
		free(p);
		free(g);
		char *r = malloc(8000);
		memset(r + 2016, 0, 5900);
		global_d = (void *)r;
		return;
	}
	if (strcmp(mode, "overflow_inherited") == 0) {
		char *volatile p = table[7];
		p[64] = 'x';
		free(p);
		return;
	}
	if (strcmp(mode, "many") == 0) {
		global_many = malloc(40000 * sizeof(void *));
		for (int i = 0; i < 40000; i++)
			global_many[i] = malloc(16);
	}
	if (strcmp(mode, "forked") == 0)
		fork_and_wait();
	if (strcmp(mode, "thread") == 0) {
		pthread_t t;
		if (pthread_create(&t, NULL, touch_heap, NULL) != 0 || pthread_join(t, NULL) != 0)
			exit(3);
	}
	child_a();
	child_b();
	child_c1();
	if (strcmp(mode, "own") == 0)
		child_c2();
	child_d();
	child_fg();
	dprintf(1, "reused %d\n", reused);
	if (strcmp(mode, "forked_late") == 0)
		fork_and_leave();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "own";
	keep_in_parent();
	lk_scrub_stack();
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		child(mode);
		lk_scrub_stack();
		exit(0);
	}
	int status;
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	dprintf(1, "child %d %d\n", (int)pid, status);
	dprintf(1, "parent %d\n", (int)getpid());
	lk_scrub_stack();
	return 0;
}
