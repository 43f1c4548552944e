/* SPDX-License-Identifier: MIT */
/* The fatal signals' handler: what heapguard does when the program dies of
 * SIGSEGV, SIGBUS, SIGILL, SIGFPE or SIGABRT -- the heap check (crash_check)
 * and the reports (report_on_crash) -- then the death the signal would have
 * given, same status, same core dump.  Installed only where the program's
 * disposition was the default, so a handler of the program's, earlier or
 * later, is never displaced; it runs on the dying thread and waits for no
 * lock that thread may hold. */
#define _GNU_SOURCE
#include "crash.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "../base/diag.h"
#include "../base/fmt.h"
#include "../base/options.h"
#include "../base/os.h"
#include "../guard/fault.h"
#include "../guard/guard.h"
#include "../lib/lib.h"
#include "../stack/unwind.h"
#include "exit.h"

static const struct {
	int sig;
	const char *name;
} fatal[] = {
	{ SIGSEGV, "SIGSEGV" }, { SIGBUS, "SIGBUS" },	{ SIGILL, "SIGILL" },
	{ SIGFPE, "SIGFPE" },	{ SIGABRT, "SIGABRT" },
};
#define FATAL_COUNT (sizeof(fatal) / sizeof(fatal[0]))

static const char *signal_name(int sig)
{
	for (size_t i = 0; i < FATAL_COUNT; i++)
		if (fatal[i].sig == sig)
			return fatal[i].name;
	return "a signal";
}

/* The thread in the handler (0: none yet), the signal it handles, and
 * whether it is done: one thread checks, a second crash waits for it. */
static pid_t handler_thread;
static int first_signal;
static bool handled;

/* The death the signal would have given: its default action, at once,
 * whatever called this handler (the kernel, or a handler of the program's
 * that chains to the one it found installed). */
static void default_action(int sig)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
}

static void die(int sig)
{
	default_action(sig);
	raise(sig);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static void say(const char *line)
{
	hg_diag_say(line, strlen(line), true);
}

/* crash_check=1: the heap check, with try-locks only, its diagnostics
 * saying what the process was dying of.  Not where this thread may hold
 * heapguard's locks: a fault in heapguard's own code, or a signal inside
 * a malloc-family call (level=full notes the call's frame). */
static void check_heap(int sig, uintptr_t pc)
{
	const char *name = signal_name(sig);
	char line[256];
	if (hg_self.entry_ra != 0 || (pc != 0 && hg_unwind_is_ours(pc))) {
		hg_fmt(line, sizeof(line),
		       "heapguard: %s inside heapguard's own code, which may hold its locks: the heap is not checked\n",
		       name);
		say(line);
		return;
	}
	static char op[64];
	hg_fmt(op, sizeof(op), "at %s (heap check)", name);
	hg_diag_dying(name);
	if (hg_guard_check_heap_dying(op) < 0) {
		hg_fmt(line, sizeof(line),
		       "heapguard: heap busy, not checked: a lock of heapguard's was held when the process was dying of %s\n",
		       name);
		say(line);
	}
}

static void on_fatal_signal(int sig, siginfo_t *info, void *uctx)
{
	int saved = errno;
	/* An access to a guard page or freed pages of heapguard's: reported
	 * at the access; back here only when check= goes on, the page now
	 * accessible, and the access is retried. */
	if (hg_ready && hg_guard_fault(sig, info, uctx)) {
		errno = saved;
		return;
	}
	/* heapguard's own abort, after its diagnostic: nothing to add. */
	if (sig == SIGABRT && hg_diag_aborting()) {
		die(sig);
		return;
	}
	pid_t me = gettid(), none = 0;
	if (!__atomic_compare_exchange_n(&handler_thread, &none, me, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		if (none == me) {
			/* A fault in the check or the reports themselves: stop,
			 * and die of what the process was dying of. */
			char line[128];
			hg_fmt(line, sizeof(line), "heapguard: %s while handling %s: stopped\n",
			       signal_name(sig), signal_name(first_signal));
			say(line);
			die(first_signal);
			return;
		}
		/* Another thread is checking: its findings first (bounded). */
		struct timespec ms = { 0, 1000000 };
		for (unsigned i = 0; i < 10000 && !__atomic_load_n(&handled, __ATOMIC_ACQUIRE); i++)
			nanosleep(&ms, NULL);
		die(sig);
		return;
	}
	first_signal = sig;
	uintptr_t pc = 0;
	if (uctx != NULL)
		pc = (uintptr_t)((const ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
	if (hg_ready && hg_config.options.crash_check && !hg_config.skipped)
		check_heap(sig, pc);
	if (hg_config.options.report_on_crash && sig != SIGABRT) {
		hg_fmt_fd(2, "heapguard: %s at address %p: writing the reports before the program dies (report_on_crash=1)\n",
			  signal_name(sig), info != NULL ? info->si_addr : NULL);
		hg_exit_write_crash_reports();
	}
	__atomic_store_n(&handled, true, __ATOMIC_RELEASE);
	errno = saved;
	if (info != NULL && info->si_code > 0 && sig != SIGABRT) {
		/* A fault the kernel raised: with the default action back,
		 * the faulting instruction runs again and the core shows it,
		 * not this handler. */
		default_action(sig);
		return;
	}
	die(sig);
}

void hg_crash_init(void)
{
	bool check = hg_config.options.crash_check && !hg_config.skipped;
	bool report = hg_config.options.report_on_crash;
	/* Guard pages (sample=, level=full's quarantine) need the handler
	 * on SIGSEGV and SIGBUS whatever the two options say. */
	bool guarded = hg_guard_faults_wanted();
	if (!check && !report && !guarded)
		return;
	if (report) {
		/* The main thread's alternate stack, for a crash that is a
		 * stack overflow. */
		size_t size = 64 << 10;
		void *alt = hg_os_map(size, false);
		if (alt != NULL) {
			stack_t ss = { .ss_sp = alt, .ss_size = size, .ss_flags = 0 };
			if (sigaltstack(&ss, NULL) != 0)
				hg_os_unmap(alt, size);
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	/* Nothing else runs on this thread while it checks (a handler of the
	 * program's could call malloc with the arenas held here), but a fault
	 * in the check still comes here, to end the process as it should. */
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < FATAL_COUNT; i++)
		if (fatal[i].sig != SIGABRT)
			sigdelset(&sa.sa_mask, fatal[i].sig);
	unsigned faults = 0;
	for (size_t i = 0; i < FATAL_COUNT; i++) {
		bool memory = fatal[i].sig == SIGSEGV || fatal[i].sig == SIGBUS;
		if (!check && !report && !memory)
			continue;
		if (fatal[i].sig == SIGABRT && !check)
			continue;
		struct sigaction old;
		if (sigaction(fatal[i].sig, &sa, &old) != 0)
			continue;
		/* The program's own (a library constructor's, or inherited as
		 * ignored) stays: put it back. */
		if ((old.sa_flags & SA_SIGINFO) || old.sa_handler != SIG_DFL)
			sigaction(fatal[i].sig, &old, NULL);
		else if (memory)
			faults++;
	}
	/* Guarded pages only while both are ours (guard/fault.h). */
	if (guarded && faults == 2)
		hg_guard_fault_handler(on_fatal_signal);
}
