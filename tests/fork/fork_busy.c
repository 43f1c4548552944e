/* SPDX-License-Identifier: MIT */
/* fork while the rest of heapguard is busy: threads allocate and free
 * (at level=full each call captures a stack, through libunwind when the
 * frame-pointer walk cannot), a thread writes the fragmentation report
 * over and over (heapguard_report: every arena locked, the report writer)
 * and raises report_signal, and forked children allocate before they exit.
 * At the end the program exits while a thread is still forking, so the
 * exit's leak scan (which pauses the other threads with a signal) races
 * with fork too.  Prints "N forks in T s (R reports)". */
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forktest.h"

#define FORKERS	   2
#define ALLOCATORS 4

static bool stop, stop_forking;
static unsigned long forks, reports;
/* heapguard_report (include/heapguard.h), when heapguard is loaded. */
static int (*report_now)(void);

/* A few frames of different depths, so stacks differ. */
__attribute__((noinline)) static void *nested_alloc(unsigned depth, size_t size)
{
	if (depth == 0)
		return malloc(size);
	void *p = nested_alloc(depth - 1, size);
	__asm__ volatile("" ::: "memory");
	return p;
}

static void *allocator(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	void *slots[64] = { 0 };
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		seed = seed * 1103515245u + 12345u;
		unsigned i = (seed >> 8) % 64;
		free(slots[i]);
		slots[i] = nested_alloc((seed >> 16) % 8, 16 + (seed >> 4) % 2000);
	}
	for (unsigned i = 0; i < 64; i++)
		free(slots[i]);
	return NULL;
}

static void *forker(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop_forking, __ATOMIC_RELAXED)) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("FAIL: fork");
			_exit(1);
		}
		if (pid == 0) {
			/* The child's heap works: its own blocks, a stack captured. */
			free(nested_alloc(3, 100));
			void *p = nested_alloc(5, 5000);
			free(p);
			_exit(FORKTEST_CHILD_STATUS);
		}
		forktest_reap(pid);
		__atomic_add_fetch(&forks, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *reporter(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (report_now != NULL && report_now() != 0) {
			perror("FAIL: heapguard_report");
			_exit(1);
		}
		raise(SIGUSR2); /* report_signal=SIGUSR2: the next malloc writes one */
		__atomic_add_fetch(&reports, 1, __ATOMIC_RELAXED);
		usleep(2000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = forktest_seconds(argc, argv);
	/* Without heapguard (validating the test) there is no report; the
	 * signal must not kill the process either. */
	report_now = (int (*)(void))dlsym(RTLD_DEFAULT, "heapguard_report");
	if (report_now == NULL)
		signal(SIGUSR2, SIG_IGN);
	forktest_start_watchdog(&forks, 5.0);
	pthread_t t[ALLOCATORS + FORKERS + 1];
	unsigned n = 0;
	for (unsigned i = 0; i < ALLOCATORS; i++)
		pthread_create(&t[n++], NULL, allocator, (void *)(uintptr_t)(i + 1));
	pthread_create(&t[n++], NULL, reporter, NULL);
	for (unsigned i = 0; i < FORKERS; i++)
		pthread_create(&t[n++], NULL, forker, NULL);
	double start = forktest_now();
	while (forktest_now() - start < seconds)
		usleep(10000);
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < ALLOCATORS + 1; i++)
		pthread_join(t[i], NULL);
	/* The forkers go on: exit's reports race with them. */
	printf("%lu forks in %.1f s (%lu reports)\n", __atomic_load_n(&forks, __ATOMIC_RELAXED),
	       forktest_now() - start, reports);
	fflush(stdout);
	exit(forks > 0 ? 0 : 1);
}
