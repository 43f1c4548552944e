/* SPDX-License-Identifier: MIT */
/* Every way out of a process, one per argument: return, exit, exit from a
 * thread while others allocate, exit from an atexit handler, quick_exit,
 * _exit, abort on a heap error (double free).  Each (but return0) hides a
 * 999-byte block from the leak scan (lost), and its destructor or
 * at_quick_exit handler keeps a 4321-byte block: the report, taken after
 * them, must show it.  Prints its pid first.  test_exit_ways.sh runs it;
 * test_report_full.sh runs "fsize" and "fsize_ignored": a file size limit
 * (RLIMIT_FSIZE) too small for the report, SIGXFSZ default or ignored. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

/* make appends -O2: keep every allocation where the source puts it. */
#pragma GCC optimize("O0")

static uintptr_t hidden_leak; /* a pointer the scan cannot see */
void *kept_by_handler;	      /* the 4321-byte block, reachable */
static atomic_int started;

static __attribute__((noinline)) void leak_one(void)
{
	void *p = malloc(999);
	memset(p, 'l', 999);
	hidden_leak = (uintptr_t)p ^ 0x5a5a5a5a5a5a5a5aull;
}

/* Zero the dead part of the stack that held the leaked pointer. */
static __attribute__((noinline)) void scrub_stack(void)
{
	volatile char buf[65536];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = 0;
}

/* Allocate, fill, check and free across the bins; 1 if all was well. */
static int churn(unsigned rounds, unsigned seed)
{
	for (unsigned i = 0; i < rounds; i++) {
		size_t n = (size_t)((i * 2654435761u + seed) % 5000) + 1;
		if (i % 97 == 0)
			n += 300000; /* an mmap'd chunk */
		unsigned char *p = malloc(n);
		if (p == NULL)
			return 0;
		memset(p, (int)(i & 0xff), n);
		p = realloc(p, n + 100);
		if (p == NULL)
			return 0;
		for (size_t k = 0; k < n; k += 61)
			if (p[k] != (unsigned char)(i & 0xff))
				return 0;
		free(p);
	}
	return 1;
}

static void keep_block(void)
{
	kept_by_handler = malloc(4321);
	memset(kept_by_handler, 'k', 4321);
}

static void handler_allocates(void)
{
	if (!churn(200, 7)) {
		static const char msg[] = "FAIL: allocation in an exit handler\n";
		write(2, msg, sizeof(msg) - 1);
		_exit(90);
	}
	keep_block();
}

/* Runs after main, before heapguard's report (which must include its block). */
__attribute__((destructor)) static void destructor(void)
{
	handler_allocates();
}

static void exit_from_atexit(void)
{
	exit(6);
}

static void *churner(void *arg)
{
	atomic_fetch_add(&started, 1);
	/* Until the process ends: during and after heapguard's report too. */
	for (unsigned seed = (unsigned)(uintptr_t)arg;; seed++)
		if (!churn(100, seed)) {
			static const char msg[] = "FAIL: allocation while exiting\n";
			write(2, msg, sizeof(msg) - 1);
			_exit(91);
		}
	return NULL;
}

static void *exiter(void *arg)
{
	(void)arg;
	while (atomic_load(&started) < 3)
		sched_yield();
	churn(500, 1);
	exit(5);
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "return";
	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	if (strcmp(how, "return0") != 0)
		leak_one();
	scrub_stack();
	if (strncmp(how, "fsize", 5) == 0) {
		if (strcmp(how, "fsize_ignored") == 0)
			signal(SIGXFSZ, SIG_IGN);
		struct rlimit small = { 200, 200 };
		setrlimit(RLIMIT_FSIZE, &small);
		return 3;
	}
	if (strcmp(how, "return") == 0 || strcmp(how, "return0") == 0)
		return 3;
	if (strcmp(how, "exit") == 0)
		exit(4);
	if (strcmp(how, "thread") == 0) {
		pthread_t t;
		for (uintptr_t i = 0; i < 3; i++)
			pthread_create(&t, NULL, churner, (void *)(i * 1000));
		pthread_create(&t, NULL, exiter, NULL);
		pthread_join(t, NULL); /* never returns: exiter exits */
		return 99;
	}
	if (strcmp(how, "atexit") == 0) {
		atexit(exit_from_atexit);
		exit(0);
	}
	if (strcmp(how, "quick_exit") == 0) {
		at_quick_exit(handler_allocates);
		quick_exit(7);
	}
	if (strcmp(how, "_exit") == 0)
		_exit(8);
	if (strcmp(how, "double_free") == 0) {
		char *volatile p = malloc(40);
		free(p);
		free(p);
		return 98; /* not reached at check=2 and 3 */
	}
	fprintf(stderr, "usage: exit_ways return|return0|exit|thread|atexit|quick_exit|_exit|double_free|"
			"fsize|fsize_ignored\n");
	return 2;
}
