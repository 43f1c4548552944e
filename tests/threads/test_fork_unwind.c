/* SPDX-License-Identifier: MIT */
/* fork while other threads capture stacks through libunwind: they allocate
 * in signal handlers, whose frames heapguard's CFI walk hands to libunwind
 * (which has locks of its own and no fork handlers).  Each child allocates
 * in a signal handler too, so it needs libunwind itself, and must exit
 * before its alarm.  200 rounds. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/hgtest.h"

#define NBUSY 3
#define ROUNDS 200

static atomic_int stop;
static void *volatile sink;

static void on_signal(int sig)
{
	(void)sig;
	/* Not async-signal-safe in general; here the handler runs only when
	 * the thread raised it itself, between two of its own calls. */
	void *p = malloc(64);
	sink = p;
	free(p);
}

static void *busy(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		raise(SIGUSR1);
	return NULL;
}

int main(void)
{
	signal(SIGUSR1, on_signal);
	pthread_t t[NBUSY];
	for (int i = 0; i < NBUSY; i++)
		CHECK(pthread_create(&t[i], NULL, busy, NULL) == 0, "pthread_create");
	for (int round = 0; round < ROUNDS; round++) {
		pid_t pid = fork();
		CHECK(pid >= 0, "fork");
		if (pid == 0) {
			alarm(10);
			raise(SIGUSR1);
			void *p = malloc(100);
			free(p);
			_exit(p != NULL ? 0 : 1);
		}
		int status;
		CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "round %d: the child did not exit cleanly (status 0x%x: a deadlock ends in SIGALRM)",
		      round, status);
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < NBUSY; i++)
		pthread_join(t[i], NULL);
	printf("PASS: %d forks while threads unwind through libunwind\n", ROUNDS);
	return 0;
}
