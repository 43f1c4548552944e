/* SPDX-License-Identifier: MIT */
/* What a fork child's exit costs beside the heap it inherited.
 *   forkexit MODE [BLOCKS [CHILDREN]]
 * The parent allocates BLOCKS blocks of 64 bytes (kept: reachable), then
 * forks CHILDREN children one after the other, waiting for each:
 *   idle    the child calls exit(0) at once;
 *   own     the child allocates 8 blocks, frees 3, keeps one reachable
 *           only through an inherited block, one through a global, one
 *           through its stack, and frees the rest before exit(0);
 *   runner  a fork-per-test runner (Check's fork mode): each child is a
 *           "test" that allocates and frees 200 blocks of mixed sizes,
 *           keeps none, and exits.
 * Prints the median per child of fork -> waitpid (wall) and of the child's
 * CPU time (wait4's rusage), in microseconds, and of its page faults:
 *   bench: child_us=W cpu_us=C faults=F
 * and for the harness, the operation line (CHILDREN children in the total
 * wall time of the fork loop). */
#define _GNU_SOURCE
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

void *volatile *volatile blocks; /* the parent's heap: reachable */
void *volatile kept;		 /* the own child's block held by a global */

static int by_value(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static void own_child(long n)
{
	void *p[8];
	for (int i = 0; i < 8; i++)
		p[i] = bench_check(malloc(48 + 16 * (size_t)i));
	free(p[1]);
	free(p[3]);
	free(p[5]);
	blocks[n] = p[0];  /* the inherited array's spare slot: written after fork */
	kept = p[2];
	void *volatile on_stack = p[4];
	free(p[6]);
	free(p[7]);
	(void)on_stack;
	exit(0);
}

static void runner_child(uint64_t seed)
{
	void *live[32];
	memset(live, 0, sizeof(live));
	for (int i = 0; i < 200; i++) {
		unsigned slot = (unsigned)(bench_random(&seed) % 32);
		free(live[slot]);
		live[slot] = bench_check(malloc(16 + bench_random(&seed) % 1000));
		memset(live[slot], i, 16);
	}
	for (int i = 0; i < 32; i++)
		free(live[i]);
	exit(0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "idle";
	long n = bench_arg(argc, argv, 2, 200000);
	int children = (int)bench_arg(argc, argv, 3, 50);
	int m = strcmp(mode, "idle") == 0 ? 0 : strcmp(mode, "own") == 0 ? 1
					      : strcmp(mode, "runner") == 0 ? 2 : -1;
	if (m < 0 || n < 0 || children < 1) {
		fprintf(stderr, "usage: forkexit idle|own|runner [BLOCKS [CHILDREN]]\n");
		return 2;
	}
	long *wall = bench_check(calloc((size_t)children, sizeof(long)));
	long *cpu = bench_check(calloc((size_t)children, sizeof(long)));
	long *faults = bench_check(calloc((size_t)children, sizeof(long)));
	blocks = bench_check(malloc(((size_t)n + 1) * sizeof(void *)));
	for (long i = 0; i < n; i++)
		blocks[i] = bench_check(malloc(64));
	blocks[n] = NULL;
	fflush(stdout);
	uint64_t start = bench_now_ns();
	for (int i = 0; i < children; i++) {
		uint64_t t0 = bench_now_ns();
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			if (m == 1)
				own_child(n);
			if (m == 2)
				runner_child(0x9e3779b97f4a7c15u + (uint64_t)i);
			exit(0);
		}
		int status;
		struct rusage ru;
		if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "forkexit: child %d failed (status %#x)\n", i, status);
			return 1;
		}
		wall[i] = (long)((bench_now_ns() - t0) / 1000);
		cpu[i] = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec +
			 ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec;
		faults[i] = ru.ru_minflt;
	}
	uint64_t total = bench_now_ns() - start;
	qsort(wall, (size_t)children, sizeof(long), by_value);
	qsort(cpu, (size_t)children, sizeof(long), by_value);
	qsort(faults, (size_t)children, sizeof(long), by_value);
	printf("bench: child_us=%ld cpu_us=%ld faults=%ld\n", wall[children / 2], cpu[children / 2],
	       faults[children / 2]);
	printf("bench: operations=%d ns=%llu\n", children, (unsigned long long)total);
	for (long i = 0; i < n; i++)
		free(blocks[i]);
	free((void *)blocks);
	free(wall);
	free(cpu);
	free(faults);
	return 0;
}
