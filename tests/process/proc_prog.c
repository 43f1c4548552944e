/* SPDX-License-Identifier: MIT */
/* What tests/process/test_process.sh runs under heapguard: each letter of
 * argv[1] is one thing to do, in order.
 *   l  leak three 100-byte blocks from proc_leak_site()
 *   s  leak one 64-byte block from proc_suppressed_site()
 *   c  fclose(stderr) (as gnulib's close_stdout does at exit)
 *   d  free one block twice (a double free)
 *   f  fork; the child leaks nothing of its own and exits 0
 *   q  end with quick_exit(0)
 *   o  print the descriptors open, but the one listing them, to stdout
 *   p  make stderr a pipe, fclose(stderr), and print "eof" when the pipe's
 *      reader sees its end (heapguard must not hold its write end open)
 * With no argument it allocates, keeps one block reachable and exits 0. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void *proc_kept;

/* Called through volatile pointers: the compiler may neither unroll the
 * loop into three sites nor drop a malloc/free pair it can see. */
static void *(*volatile do_malloc)(size_t) = malloc;
static void (*volatile do_free)(void *) = free;

__attribute__((noinline)) void proc_leak_site(int n)
{
	for (volatile int i = 0; i < n; i++) {
		char *p = do_malloc(100);
		memset(p, 1, 100);
		__asm__ volatile("" : : "r"(p) : "memory");
	}
}

__attribute__((noinline)) void proc_suppressed_site(void)
{
	char *p = do_malloc(64);
	memset(p, 2, 64);
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* Wipe what the last calls left on the stack, so no stale copy of a
 * leaked pointer keeps it reachable. */
__attribute__((noinline)) static void wipe_stack(void)
{
	volatile char junk[8192];
	memset((char *)junk, 0, sizeof(junk));
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	proc_kept = do_malloc(32);
	for (const char *w = what; *w != '\0'; w++) {
		switch (*w) {
		case 'l':
			proc_leak_site(3);
			break;
		case 's':
			proc_suppressed_site();
			break;
		case 'c':
			fclose(stderr);
			break;
		case 'd': {
			char *q = do_malloc(24);
			do_free(q);
			do_free(q);
			break;
		}
		case 'f': {
			pid_t pid = fork();
			if (pid == 0)
				exit(0);
			int st;
			waitpid(pid, &st, 0);
			break;
		}
		case 'o': {
			DIR *d = opendir("/proc/self/fd");
			struct dirent *e;
			while (d != NULL && (e = readdir(d)) != NULL)
				if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
					printf("%s\n", e->d_name);
			if (d != NULL)
				closedir(d);
			break;
		}
		case 'p': {
			int fds[2];
			char c;
			if (pipe(fds) != 0 || dup2(fds[1], 2) != 2)
				return 3;
			close(fds[1]);
			fclose(stderr);
			alarm(5); /* a read that never ends is the failure */
			if (read(fds[0], &c, 1) == 0)
				puts("eof");
			close(fds[0]);
			break;
		}
		case 'q':
			wipe_stack();
			quick_exit(0);
		}
	}
	wipe_stack();
	return 0;
}
