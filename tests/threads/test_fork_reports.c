/* SPDX-License-Identifier: MIT */
/* fork() in a loop while 8 threads churn the heap from deep stacks (at
 * level=full: inside the stack depot and holding arena locks at any
 * moment).  Each child checks the heap, allocates across sizes, leaks one
 * block, and exits (so it writes its own report); every fourth child execs
 * this program instead ("exec"), which must start fresh.  Prints "child PID"
 * for each; test_fork_reports.sh checks their reports. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "../lib/hgtest.h"

#define NBUSY 8
#define ROUNDS 24

static atomic_int stop;
static uintptr_t hidden; /* the child's leak, out of the scan's sight */

/* Recurse first, so that each capture walks a deep stack. */
static __attribute__((noinline)) void churn(uint64_t *rng, void **blk, unsigned depth)
{
	if (depth > 0) {
		churn(rng, blk, depth - 1);
		__asm__ volatile("" ::: "memory");
		return;
	}
	for (int k = 0; k < 64; k++) {
		unsigned i = (unsigned)(hgtest_rand(rng) % 32);
		uint64_t r = hgtest_rand(rng);
		size_t n = r % 50 == 0 ? r % 300000 : r % 3000;
		free(blk[i]);
		blk[i] = r & 1 ? malloc(n) : calloc(1, n);
	}
}

static void *busy(void *arg)
{
	uint64_t rng = (uintptr_t)arg * 7919 + 1;
	void *blk[32] = { 0 };
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		churn(&rng, blk, 10 + (unsigned)(hgtest_rand(&rng) % 20));
	for (int i = 0; i < 32; i++)
		free(blk[i]);
	return NULL;
}

static int check_heap(void)
{
	int (*check)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "heapguard_check_heap");
	return check != NULL ? check() : 0;
}

static void child_work(void)
{
	alarm(20);
	if (check_heap() != 0)
		_exit(2);
	void *blk[64];
	for (int i = 0; i < 64; i++) {
		size_t n = (size_t)1 << (i % 22); /* 1 byte .. 2 MiB */
		blk[i] = malloc(n);
		if (blk[i] == NULL)
			_exit(3);
		memset(blk[i], i, n);
	}
	for (int i = 0; i < 64; i++)
		free(blk[i]);
	void *p = malloc(777);
	if (p == NULL)
		_exit(4);
	hidden = (uintptr_t)p ^ 0xa5a5a5a5a5a5a5a5ull;
	exit(check_heap() == 0 ? 0 : 5);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec") == 0) {
		/* A fresh process image: a heap of its own from the start. */
		char *volatile p = malloc(555);
		memset(p, 'e', 555);
		hidden = (uintptr_t)p ^ 0xa5a5a5a5a5a5a5a5ull;
		return check_heap() == 0 ? 0 : 6;
	}
	hgtest_timeout(300);
	pthread_t t[NBUSY];
	for (int i = 0; i < NBUSY; i++)
		CHECK(pthread_create(&t[i], NULL, busy, (void *)(uintptr_t)i) == 0, "pthread_create");
	for (int round = 0; round < ROUNDS; round++) {
		usleep(2000);
		fflush(stdout);
		pid_t pid = fork();
		CHECK(pid >= 0, "fork: %s", strerror(errno));
		if (pid == 0) {
			if (round % 4 == 3) {
				execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
				_exit(7);
			}
			child_work();
		}
		int status;
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "round %d: child status %#x (SIGALRM %d: a deadlock)", round, status, SIGALRM);
		printf("child %d%s\n", (int)pid, round % 4 == 3 ? " exec" : "");
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < NBUSY; i++)
		pthread_join(t[i], NULL);
	printf("PASS: %d forks while %d threads churn\n", ROUNDS, NBUSY);
	return 0;
}
