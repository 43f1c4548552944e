/* SPDX-License-Identifier: MIT */
/* The end-of-process reports, once per process; see exit.h.  The state is a
 * word changed with atomics only: the abort path may run with any lock held
 * and in any thread, and a forked child starts over. */
#define _GNU_SOURCE
#include "exit.h"

#include <time.h>
#include <unistd.h>

#include <errno.h>
#include <string.h>

#include "../lib/fmt.h"
#include "../lib/internal.h"
#include "frag.h"
#include "leaks.h"
#include "reportfile.h"

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

/* The fragmentation report first (it only reads the heap), then the leak
 * report, whose summary names it; with leaks=0 it is named on its own. */
static int write_reports(enum hg_frag_trigger trigger, int status)
{
	static char frag[HG_REPORT_PATH + 64];
	frag[0] = '\0';
	if (hg_config.options.frag) {
		int err = hg_frag_report(trigger, status, frag, sizeof(frag));
		const char *dot = hg_report_dot(frag);
		if (err != 0) {
			hg_fmt_fd(2, "heapguard: cannot write the fragmentation report %s%s: %s\n", dot,
				  frag,
				  err == EBUSY ? "the heap is busy (exit from a signal handler that interrupted malloc?)"
				  : strerrordesc_np(err) ? strerrordesc_np(err)
							 : "error");
			frag[0] = '\0';
		} else if (!hg_config.options.leaks) {
			hg_fmt_fd(2, "heapguard: fragmentation report: %s%s (heapguard-report %s%s)\n",
				  dot, frag, dot, frag);
		}
	}
	return hg_leaks_at_exit(status, frag);
}

int hg_reports_at_exit(int status)
{
	if (!claim())
		return -1;
	int replaced = write_reports(HG_FRAG_AT_EXIT, status);
	finished();
	return replaced;
}

void hg_reports_before_abort(void)
{
	if (!hg_ready || !claim())
		return;
	write_reports(HG_FRAG_ON_ERROR, HG_STATUS_UNKNOWN);
	finished();
}

void hg_reports_fork_child(void)
{
	final_state = FINAL_NONE;
	final_writer = 0;
}
