/* SPDX-License-Identifier: MIT */
/* The end-of-process reports, once per process; see exit.h.  The state is a
 * word changed with atomics only: the abort path may run with any lock held
 * and in any thread, and a forked child starts over. */
#define _GNU_SOURCE
#include "exit.h"

#include <time.h>
#include <unistd.h>

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "../base/fmt.h"
#include "../lib/lib.h"
#include "../base/os.h"
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
		int err = hg_frag_write(trigger, status, frag, sizeof(frag));
		if (err != 0 || !hg_config.options.leaks)
			hg_frag_say(err, frag);
		if (err != 0)
			frag[0] = '\0';
	}
	return hg_leaks_at_exit(status, frag);
}

int hg_exit_write_reports(int status)
{
	if (!claim())
		return -1;
	int replaced = write_reports(HG_FRAG_AT_EXIT, status);
	finished();
	return replaced;
}

void hg_exit_before_abort(void)
{
	if (!hg_ready || !claim())
		return;
	write_reports(HG_FRAG_ON_ERROR, HG_STATUS_UNKNOWN);
	finished();
}

/* ---- report_on_crash ---- */

static const int crash_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };

static const char *crash_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	case SIGFPE:
		return "SIGFPE";
	default:
		return "SIGILL";
	}
}

/* Runs on the crashing thread (on the alternate stack in the main thread,
 * so a stack overflow is seen too).  SA_RESETHAND has already put the
 * default action back; the signal, raised again and blocked until this
 * returns, then ends the process as it would have without heapguard. */
static void on_crash(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	int saved = errno;
	hg_fmt_fd(2, "heapguard: %s at address %p: writing the reports before the program dies (report_on_crash=1)\n",
		  crash_name(sig), info != NULL ? info->si_addr : NULL);
	if (hg_ready && claim()) {
		write_reports(HG_FRAG_ON_CRASH, HG_STATUS_UNKNOWN);
		finished();
	}
	errno = saved;
	raise(sig);
}

void hg_exit_crash_handlers_init(void)
{
	if (!hg_config.options.report_on_crash)
		return;
	/* The main thread's alternate stack, for a crash that is a stack overflow. */
	size_t size = 64 << 10;
	void *alt = hg_os_map(size, false);
	if (alt != NULL) {
		stack_t ss = { .ss_sp = alt, .ss_size = size, .ss_flags = 0 };
		if (sigaltstack(&ss, NULL) != 0)
			hg_os_unmap(alt, size);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_crash;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		sigaction(crash_signals[i], &sa, NULL);
}

void hg_exit_fork_child(void)
{
	final_state = FINAL_NONE;
	final_writer = 0;
}
