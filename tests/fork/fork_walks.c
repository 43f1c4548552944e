/* SPDX-License-Identifier: MIT */
/* A fork child's exit walks the loader's module list at most once: the
 * stack walk finds a frame's module with _dl_find_object, and the leak
 * scan tells a module's data from another file's mapping the same way;
 * the module list itself is taken only for a report that names modules
 * (a leak-free child writes none; one with a block still reachable at
 * exit scans).  Each module the list walk visits costs
 * the child a page fault on its program headers.
 *
 * This program defines dl_iterate_phdr (exported: built with -rdynamic),
 * so heapguard's calls land here; each call made in a child writes a byte
 * to a pipe.  The parent first walks the list itself and allocates, as a
 * long-lived parent does, then forks children that allocate, free, keep
 * one block and exit(); it prints the calls counted and exits 0 when the
 * children made at most one each (heapguard's TLS block, found once per
 * process).  The library of stop 29 made 4 at level=fast, 3 at full.
 *   fork_walks [CHILDREN]   (default 20) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int tally = -1; /* the pipe's write end, in children */
static pid_t parent;
static char *still; /* a child's block live at exit, reachable: a scan, no report */

typedef int (*walk_fn)(int (*)(struct dl_phdr_info *, size_t, void *), void *);

int dl_iterate_phdr(int (*visit)(struct dl_phdr_info *, size_t, void *), void *ctx)
{
	static walk_fn real;
	if (real == NULL)
		real = (walk_fn)dlsym(RTLD_NEXT, "dl_iterate_phdr");
	if (tally >= 0 && getpid() != parent) {
		char c = 'w';
		if (write(tally, &c, 1) != 1)
			_exit(98);
	}
	return real(visit, ctx);
}

static int count_one(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)info;
	(void)size;
	(*(int *)ctx)++;
	return 0;
}

int main(int argc, char **argv)
{
	int children = argc > 1 ? atoi(argv[1]) : 20;
	int fds[2];
	if (pipe(fds) != 0) {
		perror("pipe");
		return 99;
	}
	parent = getpid();
	int modules = 0;
	dl_iterate_phdr(count_one, &modules);
	char *keep[64];
	for (int i = 0; i < 64; i++) /* the parent's own stacks and blocks */
		keep[i] = malloc(32 + (size_t)i * 8);
	tally = fds[1];
	for (int i = 0; i < children; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 99;
		}
		if (pid == 0) {
			close(fds[0]);
			for (int j = 0; j < 100; j++) {
				char *p = malloc(16 + (size_t)j);
				memset(p, j, 16);
				free(p);
			}
			still = malloc(100);
			exit(0);
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "fork_walks: child %d ended with status %#x\n", i, st);
			return 99;
		}
	}
	close(fds[1]);
	int calls = 0;
	char buf[256];
	ssize_t got;
	while ((got = read(fds[0], buf, sizeof(buf))) > 0)
		calls += (int)got;
	for (int i = 0; i < 64; i++)
		free(keep[i]);
	printf("fork_walks: %d children, %d walks of %d modules in them\n", children, calls,
	       modules);
	return calls <= children ? 0 : 1;
}
