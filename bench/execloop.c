/* SPDX-License-Identifier: MIT */
/* N short processes, one after the other: PROGRAM [ARGS...] started with
 * posix_spawn and waited for, N times.  What a shell script or a build pays
 * per process: the dynamic loader, the allocator's start-up and its exit.
 * The children inherit the environment, LD_PRELOAD among it; this program's
 * own allocator is not in the loop (posix_spawn does not fork the heap).
 * An operation is one process.  Besides the harness's line it prints the
 * children's CPU time (user + system), which a busy machine disturbs less
 * than the wall time:
 *   bench: children_cpu_ns=T
 * Usage: execloop N PROGRAM [ARGS...] */
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "bench.h"

extern char **environ;

static uint64_t children_cpu_ns(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru) != 0)
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

int main(int argc, char **argv)
{
	long n = bench_arg(argc, argv, 1, 1000);
	if (argc < 3) {
		fprintf(stderr, "usage: execloop N PROGRAM [ARGS...]\n");
		return 2;
	}
	uint64_t cpu = children_cpu_ns();
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
	printf("bench: children_cpu_ns=%llu\n", (unsigned long long)(children_cpu_ns() - cpu));
	return 0;
}
