/* SPDX-License-Identifier: MIT */
/* crash_check HOW: a program that dies of a signal (or survives one), for
 * crash_check=1 (test_crash_check.sh).  HOW:
 *   assert      writes into a freed block, then fails an assert (SIGABRT)
 *   header      overwrites a block's chunk header, then writes through NULL
 *   clean       fails an assert with a sound heap
 *   recover     its own SIGSEGV handler, installed in main, siglongjmps out
 *               of a fault; exits 0
 *   own_abort   its own SIGABRT handler (a write-after-free before), which
 *               returns: abort() then ends the process
 *   chain       its own SIGABRT handler calls the one it found installed,
 *               as faulthandler-like handlers do
 *   double      a double free, which heapguard reports and aborts on
 *   early       a write-after-free, then abort(), under a SIGABRT handler
 *               installed before heapguard started (early_handler.c)
 *   inside      posix_memalign() given a pointer to unmapped memory: the
 *               fault is in the allocator's own code (glibc's too)
 * Prints what it does on stdout, each line flushed. */
#define _GNU_SOURCE
#include <assert.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *volatile keep;
static volatile int zero;
static sigjmp_buf back;
static struct sigaction found;

static void say(const char *what)
{
	fputs(what, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

/* A block of 40 bytes, freed, then written 8 bytes in (level=full holds it
 * in the quarantine, filled). */
static void write_after_free(void)
{
	char *p = malloc(40);
	memset(p, 1, 40);
	free(p);
	keep = p;
	((volatile char *)p)[8] = 'x';
}

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(back, 1);
}

static void on_abort(int sig)
{
	(void)sig;
	static const char msg[] = "own SIGABRT handler called\n";
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(3);
}

static void on_abort_chained(int sig, siginfo_t *info, void *uctx)
{
	static const char msg[] = "own SIGABRT handler, chaining\n";
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	if (found.sa_flags & SA_SIGINFO)
		found.sa_sigaction(sig, info, uctx);
	else if (found.sa_handler != SIG_DFL && found.sa_handler != SIG_IGN)
		found.sa_handler(sig);
	/* The default action, as the found one would have had it. */
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";
	if (strcmp(how, "assert") == 0) {
		write_after_free();
		say("assert");
		assert(zero == 1);
	} else if (strcmp(how, "header") == 0) {
		char *a = malloc(40), *b = malloc(40);
		memset(a, 2, 40);
		keep = b;
		((volatile size_t *)b)[-1] ^= 0x80; /* the size field of b's chunk */
		say("header");
		*(volatile int *)(uintptr_t)zero = 1;
	} else if (strcmp(how, "clean") == 0) {
		keep = malloc(100);
		say("clean");
		assert(zero == 1);
	} else if (strcmp(how, "recover") == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_segv;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, NULL);
		for (int i = 0; i < 3; i++) {
			if (sigsetjmp(back, 1) == 0)
				*(volatile int *)(uintptr_t)zero = i;
			else
				say("recovered from SIGSEGV");
		}
		free(malloc(10));
		say("done");
		return 0;
	} else if (strcmp(how, "own_abort") == 0) {
		signal(SIGABRT, on_abort);
		write_after_free();
		say("own_abort");
		abort();
	} else if (strcmp(how, "chain") == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_abort_chained;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGABRT, &sa, &found);
		write_after_free();
		say("chain");
		abort();
	} else if (strcmp(how, "early") == 0) {
		write_after_free();
		say("early");
		abort();
	} else if (strcmp(how, "double") == 0) {
		char *p = malloc(24);
		free(p);
		say("double");
		free(p);
	} else if (strcmp(how, "inside") == 0) {
		keep = malloc(100);
		say("inside");
		posix_memalign((void **)(uintptr_t)16, 64, 64);
	} else {
		return 2;
	}
	return 1;
}
