/* SPDX-License-Identifier: MIT */
/* Unit tests of the fatal signals' handler (report/crash.c) where a
 * preloaded program cannot put it: the process dies while a lock of
 * heapguard's is held (here by the dying thread itself, as in a signal that
 * comes in a system call of the allocator's).  The check must not wait for
 * it: one line, and the process still dies of its signal.  Linked with the
 * core library, not preloaded. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../base/lock.h"
#include "../../lib/internal.h"
#include "../../report/crash.h"

/* Runs die_how in a child whose stderr is a pipe; its wait status and
 * what it wrote (at most len - 1 bytes) are returned. */
static int child(void (*die_how)(void), char *out, size_t len)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20); /* a handler that waits for the lock: SIGALRM */
		dup2(fds[1], 2);
		close(fds[0]);
		die_how();
		_exit(0);
	}
	close(fds[1]);
	size_t n = 0;
	ssize_t k;
	while (n + 1 < len && (k = read(fds[0], out + n, len - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* A heap with a chunk in it, and the handler (idempotent: the core's
 * constructor may have installed it). */
static void start(void)
{
	hg_ensure_init();
	hg_crash_init();
	assert_non_null(hg_chunk_alloc(64));
}

static void abort_holding_an_arena(void)
{
	start();
	hg_lock_acquire(&hg_main_arena.lock);
	raise(SIGABRT);
}

static void abort_holding_nothing(void)
{
	start();
	raise(SIGABRT);
}

static void test_a_lock_held_at_the_crash_is_said_not_waited_for(void **state)
{
	(void)state;
	char err[4096];
	int status = child(abort_holding_an_arena, err, sizeof(err));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_string_equal(err, "heapguard: heap busy, not checked: a lock of heapguard's was held "
				 "when the process was dying of SIGABRT\n");
}

static void test_a_sound_heap_at_the_crash_says_nothing(void **state)
{
	(void)state;
	char err[4096];
	int status = child(abort_holding_nothing, err, sizeof(err));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_string_equal(err, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_lock_held_at_the_crash_is_said_not_waited_for),
		cmocka_unit_test(test_a_sound_heap_at_the_crash_says_nothing),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	fflush(NULL);
	_exit(failed != 0);
}
