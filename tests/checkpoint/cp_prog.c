/* SPDX-License-Identifier: MIT */
/* Leak checkpoints (heapguard_checkpoint, checkpoint_signal=) made by a
 * program that knows what it allocated between two of them.  Modes:
 *   two     leak one block of 100 bytes and keep 50 blocks of 64
 *           reachable; checkpoint 1; leak one block of 24 bytes and keep
 *           100 blocks of 32 reachable; checkpoint 2; exit with both leaks
 *   signal  the same, checkpoint 2 asked for by SIGUSR2 (checkpoint_signal=)
 *           and made at the next malloc
 *   fork    checkpoint 1 in the parent; the child leaks one block, keeps
 *           10 reachable and makes its own checkpoint (its 1, since the
 *           fork); the parent's checkpoint 2 lists none of the child's
 *   threads four threads allocate and free while the main thread leaks
 *           one block between checkpoints 1 and 2
 *   busy    four threads allocate and free without pause while the main
 *           thread makes 20 checkpoints, each of which must be made, and
 *           then exits with the threads still running (the exit report
 *           must be written too)
 *   off     report=off: heapguard_checkpoint and heapguard_report each
 *           fail with ECANCELED (nothing to write to); leak one block of
 *           100 bytes and exit 0
 *   million 1,000,000 live blocks, then one checkpoint, timed (the time
 *           on stdout)
 * Prints "checkpoint N" for each one made (and the child's pid).  Built
 * without optimisation, so that no stale copy of the leaked pointer
 * outlives the function that dropped it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../leaks/lk.h"

static int (*checkpoint)(void);
/* Not static: a static that is only written may be optimised away. */
void *kept[100];
void *child_kept[10];
void *early[50];
static volatile int stop;

static void say(const char *what, int n)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "%s %d\n", what, n);
	if (write(1, line, (size_t)len) != len)
		_exit(3);
}

static int make_checkpoint(void)
{
	int n = checkpoint();
	if (n < 0) {
		fprintf(stderr, "FAIL: heapguard_checkpoint: %s\n", strerror(errno));
		exit(2);
	}
	say("checkpoint", n);
	return n;
}

static LK_SITE void leak_one(void)
{
	void *volatile p = malloc(24);
	memset(p, 1, 24);
	p = NULL;
}

static LK_SITE void leak_early(void)
{
	void *volatile p = malloc(100);
	memset(p, 2, 100);
	p = NULL;
}

static LK_SITE void keep_early(void)
{
	for (int i = 0; i < 50; i++)
		early[i] = malloc(64);
}

static LK_SITE void keep_100(void)
{
	for (int i = 0; i < 100; i++)
		kept[i] = malloc(32);
}

static LK_SITE void keep_10(void)
{
	for (int i = 0; i < 10; i++)
		child_kept[i] = malloc(48);
}

static void *churn(void *arg)
{
	(void)arg;
	void *mine[16] = { 0 };
	for (unsigned i = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++) {
		free(mine[i % 16]);
		mine[i % 16] = malloc(16 + i % 200);
	}
	for (int i = 0; i < 16; i++)
		free(mine[i]);
	return NULL;
}

static void fork_mode(void)
{
	make_checkpoint();
	pid_t pid = fork();
	if (pid == 0) {
		say("child", (int)getpid());
		leak_one();
		keep_10();
		lk_scrub_stack();
		make_checkpoint();
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "FAIL: the child ended with %#x\n", st);
		exit(2);
	}
	make_checkpoint();
}

static void million_mode(void)
{
	enum { N = 1000000 };
	void **v = malloc(N * sizeof(*v));
	for (int i = 0; i < N; i++)
		v[i] = malloc(16 + (i % 8) * 16);
	struct timespec a, b, ca, cb;
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
	make_checkpoint();
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("seconds %.3f cpu %.3f\n",
	       (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
	       (double)(cb.tv_sec - ca.tv_sec) + (double)(cb.tv_nsec - ca.tv_nsec) / 1e9);
	for (int i = 0; i < N; i++)
		free(v[i]);
	free(v);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "two";
	checkpoint = (int (*)(void))dlsym(RTLD_DEFAULT, "heapguard_checkpoint");
	if (checkpoint == NULL) {
		fprintf(stderr, "SKIP: not run under heapguard\n");
		return 77;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(mode, "fork") == 0) {
		fork_mode();
		return 0;
	}
	if (strcmp(mode, "busy") == 0) {
		pthread_t t[4];
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, churn, NULL);
		leak_one();
		lk_scrub_stack();
		for (int i = 0; i < 20; i++)
			make_checkpoint();
		exit(0); /* the threads still churning */
	}
	if (strcmp(mode, "off") == 0) {
		int (*report)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "heapguard_report");
		errno = 0;
		int n = checkpoint();
		if (n != -1 || errno != ECANCELED) {
			fprintf(stderr, "FAIL: heapguard_checkpoint: %d, %s\n", n, strerror(errno));
			return 2;
		}
		errno = 0;
		n = report();
		if (n != -1 || errno != ECANCELED) {
			fprintf(stderr, "FAIL: heapguard_report: %d, %s\n", n, strerror(errno));
			return 2;
		}
		leak_early();
		lk_scrub_stack();
		return 0;
	}
	if (strcmp(mode, "million") == 0) {
		million_mode();
		return 0;
	}
	pthread_t t[4];
	bool threads = strcmp(mode, "threads") == 0;
	if (threads)
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, churn, NULL);
	leak_early();
	keep_early();
	lk_scrub_stack();
	make_checkpoint();
	leak_one();
	if (!threads)
		keep_100();
	lk_scrub_stack();
	if (strcmp(mode, "signal") == 0) {
		raise(SIGUSR2);
		free(malloc(1)); /* the checkpoint is made here, before this block */
		say("signalled", 2);
	} else {
		make_checkpoint();
	}
	if (threads) {
		stop = 1;
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
	}
	return 0;
}
