/* SPDX-License-Identifier: MIT */
/* N short processes, one after the other: PROGRAM [ARGS...] started with
 * posix_spawn and waited for, N times.  What a shell script or a build pays
 * per process: the dynamic loader, the allocator's start-up and its exit.
 * The children inherit the environment, LD_PRELOAD among it; this program's
 * own allocator is not in the loop (posix_spawn does not fork the heap).
 * An operation is one process.  Usage: execloop N PROGRAM [ARGS...] */
#include <spawn.h>
#include <sys/wait.h>

#include "bench.h"

extern char **environ;

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 1, 1000);
	if (argc < 3) {
		fprintf(stderr, "usage: execloop N PROGRAM [ARGS...]\n");
		return 2;
	}
	uint64_t start = bench_now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid;
		int status;
		if (posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, environ) != 0 ||
		    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "execloop: %s failed (process %ld)\n", argv[2], i);
			return 1;
		}
	}
	bench_report(n, start);
	return 0;
}
