/* SPDX-License-Identifier: MIT */
/* A parent forks children that each lose a block and exit: every child's
 * leak report names the program, read once in the parent, never in the
 * children (a readlink of /proc/self/exe costs a path lookup in /proc, in
 * every subshell of a shell script).
 *   fork_exe LOG CHILDREN: readlink() of /proc/self/exe, which this program
 *   defines over libc's for heapguard's calls, appends the caller's pid
 *   to LOG; prints each child's pid on stdout. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *log_path;

/* Called by heapguard inside malloc and at exit: no stdio, no malloc. */
ssize_t readlink(const char *restrict path, char *restrict buf, size_t len)
{
	if (log_path != NULL && strcmp(path, "/proc/self/exe") == 0) {
		int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			char line[32];
			int n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
			if (write(fd, line, (size_t)n) != n)
				_exit(3);
			close(fd);
		}
	}
	return syscall(SYS_readlink, path, buf, len);
}

void *volatile kept;

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	log_path = argv[1];
	int children = atoi(argv[2]);
	kept = malloc(100);
	for (int i = 0; i < children; i++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			void *volatile lost = malloc(40);
			memset(lost, 1, 40);
			lost = NULL;
			exit(0);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return 1;
		printf("%d\n", (int)pid);
	}
	return 0;
}
