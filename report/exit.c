/* SPDX-License-Identifier: MIT */
/* The end-of-process reports, once per process; see exit.h.  The state is a
 * word changed with atomics only: the abort path may run with any lock held
 * and in any thread, and a forked child starts over. */
#define _GNU_SOURCE
#include "exit.h"

#include <time.h>
#include <unistd.h>

#include "../lib/internal.h"
#include "leaks.h"

enum { FINAL_NONE, FINAL_WRITING, FINAL_DONE };

static int final_state = FINAL_NONE;
static pid_t final_writer; /* the thread writing, while FINAL_WRITING */

/* True for the one caller that writes the reports.  Another thread that
 * comes while they are being written waits until they are complete (it
 * would otherwise end the process under the writer); the writer itself,
 * re-entering (an error found while writing), just goes on. */
static bool claim(void)
{
	int expected = FINAL_NONE;
	if (__atomic_compare_exchange_n(&final_state, &expected, FINAL_WRITING, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&final_writer, gettid(), __ATOMIC_RELEASE);
		return true;
	}
	if (expected == FINAL_WRITING) {
		pid_t me = gettid();
		struct timespec ms = { 0, 1000000 };
		while (__atomic_load_n(&final_state, __ATOMIC_ACQUIRE) == FINAL_WRITING &&
		       __atomic_load_n(&final_writer, __ATOMIC_ACQUIRE) != me)
			nanosleep(&ms, NULL);
	}
	return false;
}

static void finished(void)
{
	__atomic_store_n(&final_state, FINAL_DONE, __ATOMIC_RELEASE);
}

int hg_reports_at_exit(int status)
{
	if (!claim())
		return -1;
	int replaced = hg_leaks_at_exit(status);
	finished();
	return replaced;
}

void hg_reports_before_abort(void)
{
	if (!hg_ready || !claim())
		return;
	hg_leaks_at_exit(HG_STATUS_UNKNOWN);
	finished();
}

void hg_reports_fork_child(void)
{
	final_state = FINAL_NONE;
	final_writer = 0;
}
