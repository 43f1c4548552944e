/* SPDX-License-Identifier: MIT */
/* Allocation stacks of many shapes for unwind_verify: deep recursion with
 * and without frame pointers (this file is built both ways), variable-size
 * stack frames (alloca: CFA from rbp), a signal handler that allocates
 * (a signal frame: the fast walk hands over to libunwind), and threads. */
#include <alloca.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

__attribute__((noinline)) static void *grab(size_t n)
{
	void *p = malloc(n);
	sink = p;
	return p;
}

__attribute__((noinline)) static int recurse(int depth, int width)
{
	if (depth == 0) {
		free(grab((size_t)width));
		return 1;
	}
	/* A frame whose size is known only at run time. */
	char *pad = alloca((size_t)(depth * 16 + width % 64));
	memset(pad, depth, (size_t)(depth * 16));
	int r = recurse(depth - 1, width + pad[3]);
	free(grab((size_t)depth * 8));
	return r + pad[depth % 16];
}

static void on_signal(int sig)
{
	(void)sig;
	free(grab(48));			/* not async-signal-safe in general; fine here */
}

static void *worker(void *arg)
{
	long n = (long)arg;
	for (int i = 0; i < 200; i++)
		recurse((int)(n + i) % 40, i);
	return NULL;
}

int main(void)
{
	signal(SIGUSR1, on_signal);
	for (int i = 0; i < 300; i++) {
		recurse(i % 70, i);
		if (i % 50 == 0)
			raise(SIGUSR1);
	}
	pthread_t t[3];
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	return 0;
}
