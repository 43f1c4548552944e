/* SPDX-License-Identifier: MIT */
/* A parent holding a big heap forks children that exit at once: the
 * child's exit work must not grow with the heap it inherited.
 *   fork_child [BLOCKS [CHILDREN]]: the parent allocates BLOCKS blocks of
 *   64 bytes (default 200000) and keeps them, then forks CHILDREN children
 *   (default 20) one after the other, each calling exit(0) at once; prints
 *   the median fork -> waitpid time in microseconds. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void *volatile *volatile blocks; /* reachable: the heap is live, not leaked */

static long elapsed_us(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000L + (b->tv_nsec - a->tv_nsec) / 1000;
}

static int by_value(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	int children = argc > 2 ? atoi(argv[2]) : 20;
	long *times = calloc((size_t)children, sizeof(long));
	blocks = malloc((size_t)n * sizeof(void *));
	if (times == NULL || blocks == NULL)
		return 1;
	for (long i = 0; i < n; i++)
		if ((blocks[i] = malloc(64)) == NULL)
			return 1;
	for (int i = 0; i < children; i++) {
		struct timespec t0, t1;
		int status;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			exit(0);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		times[i] = elapsed_us(&t0, &t1);
	}
	qsort(times, (size_t)children, sizeof(long), by_value);
	printf("%ld\n", times[children / 2]);
	return 0;
}
