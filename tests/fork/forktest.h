/* SPDX-License-Identifier: MIT */
/* What the fork tests share: a clock, a fork that checks its child's
 * status, and a watchdog that turns a stall into a failure with a message
 * (test_fork.sh's timeout catches what the watchdog cannot). */
#ifndef FORKTEST_H
#define FORKTEST_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FORKTEST_CHILD_STATUS 17

static inline double forktest_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds to run, from the first argument (default 3). */
static inline double forktest_seconds(int argc, char **argv)
{
	double s = argc > 1 ? atof(argv[1]) : 3.0;
	return s > 0 ? s : 3.0;
}

/* Wait for pid, which must exit with FORKTEST_CHILD_STATUS. */
static inline void forktest_reap(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("FAIL: waitpid");
			_exit(1);
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != FORKTEST_CHILD_STATUS) {
		fprintf(stderr, "FAIL: child %d ended with status 0x%x\n", (int)pid, status);
		_exit(1);
	}
}

/* A thread that fails the test when the counter at `done` has not moved
 * for `stall` seconds (every fork thread is stuck).  A thread of its own:
 * a deadlock may catch the main thread too (pthread_create allocates). */
struct forktest_watch {
	const unsigned long *done;
	double stall;
};

static inline void *forktest_watchdog(void *arg)
{
	const struct forktest_watch *w = arg;
	unsigned long last = __atomic_load_n(w->done, __ATOMIC_RELAXED);
	double since = forktest_now();
	for (;;) {
		usleep(20000);
		unsigned long now = __atomic_load_n(w->done, __ATOMIC_RELAXED);
		if (now != last) {
			last = now;
			since = forktest_now();
		} else if (forktest_now() - since > w->stall) {
			/* Not stdio's stderr: its lock may be part of the deadlock. */
			char msg[128];
			int n = snprintf(msg, sizeof(msg),
					 "FAIL: no fork finished in %.0f s after %lu forks (deadlock)\n",
					 w->stall, now);
			if (write(2, msg, (size_t)n) < 0)
				_exit(2);
			_exit(1);
		}
	}
	return NULL;
}

static inline void forktest_start_watchdog(const unsigned long *done, double stall)
{
	static struct forktest_watch w;
	w.done = done;
	w.stall = stall;
	pthread_t t;
	if (pthread_create(&t, NULL, forktest_watchdog, &w) != 0) {
		perror("FAIL: pthread_create");
		_exit(1);
	}
	pthread_detach(t);
}

#endif
