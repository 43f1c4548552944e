/* SPDX-License-Identifier: MIT */
/* fork from a signal handler that interrupted fork (or malloc) in a
 * single-threaded process (the pattern of glibc's tst-mallocfork2): the
 * process forks in a loop and allocates between forks while SIGALRM (an
 * interval timer) and SIGUSR1 (sent by a helper process, so this one stays
 * single-threaded) arrive, and both handlers fork too.  glibc takes no
 * lock for fork while single-threaded, so the nested fork cannot deadlock;
 * an allocator whose fork handler locks the heap takes its own lock twice.
 * Prints "N forks in T s (M from handlers)". */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/time.h>
#include <unistd.h>

#include "forktest.h"

static volatile sig_atomic_t handler_forks;
/* When the handlers stop forking: set before they are installed.  Signals
 * come every 50 to 200 us; on a loaded machine a fork in a handler can take
 * longer, and the main loop, which checks the time, would never run again. */
static double deadline;

/* Only async-signal-safe calls here (clock_gettime is one). */
static void fork_in_handler(int sig)
{
	(void)sig;
	if (forktest_now() >= deadline)
		return;
	int saved = errno;
	pid_t pid = fork();
	if (pid == 0)
		_exit(FORKTEST_CHILD_STATUS);
	if (pid < 0) {
		static const char msg[] = "FAIL: fork in a signal handler\n";
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(2);
		_exit(1);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != FORKTEST_CHILD_STATUS)
		_exit(1);
	handler_forks = handler_forks + 1;
	errno = saved;
}

/* The helper: SIGUSR1 to the test process as fast as it goes, until the
 * test process is gone. */
static void send_signals(pid_t target)
{
	while (getppid() == target) {
		if (kill(target, SIGUSR1) != 0)
			_exit(0);
		usleep(50);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	double seconds = forktest_seconds(argc, argv);
	if (!__libc_single_threaded) {
		fprintf(stderr, "FAIL: the process is not single-threaded\n");
		return 1;
	}
	deadline = forktest_now() + seconds;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fork_in_handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a handler may also interrupt waitpid. */
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	pid_t self = getpid();
	pid_t helper = fork();
	if (helper == 0)
		send_signals(self);
	struct itimerval every = { { 0, 200 }, { 0, 200 } };
	setitimer(ITIMER_REAL, &every, NULL);
	unsigned long forks = 0;
	double start = forktest_now();
	while (forktest_now() - start < seconds) {
		void *p = malloc(16 + forks % 4096);
		pid_t pid = fork();
		if (pid < 0) {
			perror("FAIL: fork");
			return 1;
		}
		if (pid == 0)
			_exit(FORKTEST_CHILD_STATUS);
		free(p);
		forktest_reap(pid);
		forks++;
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGUSR1, SIG_IGN);
	kill(helper, SIGKILL);
	while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
		;
	printf("%lu forks in %.1f s (%lu from handlers)\n", forks + (unsigned long)handler_forks,
	       forktest_now() - start, (unsigned long)handler_forks);
	return handler_forks > 0 ? 0 : 1;
}
