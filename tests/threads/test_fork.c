/* SPDX-License-Identifier: MIT */
/* fork from a multithreaded program while 4 other threads allocate, free
 * and realloc in tight loops; the child uses malloc/free/realloc (also from
 * a new thread) and exits 0. 50 rounds. A child that deadlocks on an arena
 * lock held at fork time is killed by its alarm and fails the test. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "../lib/hgtest.h"

#define NBUSY 4
#define ROUNDS 50

static atomic_int stop;

static void *busy(void *arg)
{
	uint64_t rng = (uintptr_t)arg * 31 + 1;
	void *blk[32] = { 0 };
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		int i = (int)(hgtest_rand(&rng) % 32);
		uint64_t r = hgtest_rand(&rng);
		size_t n = (r % 100 == 0) ? r % 300000 : r % 2000;
		if (r & 1) {
			void *q = realloc(blk[i], n + 1);
			CHECK(q != NULL, "realloc");
			blk[i] = q;
		} else {
			free(blk[i]);
			blk[i] = malloc(n);
			CHECK(blk[i] != NULL || n == 0, "malloc");
		}
	}
	for (int i = 0; i < 32; i++)
		free(blk[i]);
	return NULL;
}

static void *child_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		void *p = malloc((size_t)i * 13);
		free(p);
	}
	return malloc(100);
}

static void child_work(void)
{
	alarm(10);
	void *blk[200];
	for (int i = 0; i < 200; i++) {
		blk[i] = malloc((size_t)i * 97 + 1);
		if (blk[i] == NULL)
			_exit(2);
		memset(blk[i], i, (size_t)i * 97 + 1);
	}
	for (int i = 0; i < 200; i++) {
		blk[i] = realloc(blk[i], (size_t)i * 300 + 5);
		if (blk[i] == NULL)
			_exit(3);
	}
	void *big = malloc(4 << 20);
	void *c = calloc(1000, 100);
	if (!big || !c)
		_exit(4);
	for (int i = 0; i < 200; i += 2)
		free(blk[i]);
	pthread_t t;
	void *from_thread = NULL;
	if (pthread_create(&t, NULL, child_thread, NULL) != 0)
		_exit(5);
	pthread_join(t, &from_thread);
	free(from_thread);
	free(big);
	free(c);
	for (int i = 1; i < 200; i += 2)
		free(blk[i]);
	exit(0);
}

int main(void)
{
	hgtest_timeout(180);
	pthread_t t[NBUSY];
	for (int i = 0; i < NBUSY; i++)
		CHECK(pthread_create(&t[i], NULL, busy, (void *)(uintptr_t)i) ==
			      0,
		      "pthread_create");
	fflush(stdout);
	fflush(stderr);
	for (int round = 0; round < ROUNDS; round++) {
		/* let the busy threads get deep into their loops */
		usleep(5000);
		pid_t pid = fork();
		CHECK(pid >= 0, "fork: %s", strerror(errno));
		if (pid == 0)
			child_work();
		int status;
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		CHECK(!(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM),
		      "round %d: child hung after fork (deadlock)", round);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "round %d: child status %#x (signal %d, exit %d)", round,
		      status, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
		      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		/* the parent's heap is still fine too */
		void *p = malloc(1000);
		CHECK(p != NULL, "parent malloc after fork");
		free(p);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < NBUSY; i++)
		pthread_join(t[i], NULL);
	printf("PASS: %d forks from a multithreaded program\n", ROUNDS);
	return 0;
}
