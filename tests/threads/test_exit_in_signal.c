/* SPDX-License-Identifier: MIT */
/* exit() from a signal handler that may have interrupted malloc, while
 * another thread allocates: the process must end (heapguard's exit check
 * must not wait for an arena lock its own thread holds).  Each round runs
 * in a child; a child still alive after 10 s fails the test. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/hgtest.h"

static void on_timer(int sig)
{
	(void)sig;
	exit(0);
}

static void *churn(void *arg)
{
	(void)arg;
	for (;;)
		free(malloc(5000));
	return NULL;
}

static void child(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, churn, NULL) != 0)
		_exit(2);
	signal(SIGALRM, on_timer);
	struct itimerval tv = { { 0, 0 }, { 0, 200000 } };
	setitimer(ITIMER_REAL, &tv, NULL);
	for (;;)
		free(malloc(3000));
}

int main(void)
{
	for (int round = 0; round < 10; round++) {
		pid_t pid = fork();
		CHECK(pid >= 0, "fork");
		if (pid == 0)
			child();
		int status = 0;
		int waited = 0;
		while (waitpid(pid, &status, WNOHANG) == 0) {
			if (++waited > 1000) { /* 10 s */
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				CHECK(0, "round %d: exit() from a signal handler hung", round);
			}
			usleep(10000);
		}
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "round %d: child status 0x%x", round, status);
	}
	printf("PASS: exit from a signal handler, 10 rounds\n");
	return 0;
}
