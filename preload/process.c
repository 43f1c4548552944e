/* SPDX-License-Identifier: MIT */
/* The process's life around the heap: the constructor (stacks, signals,
 * exit handlers), fork (the lock order is written at its handlers), and exit
 * (level=full's last checks, then the reports).  The heap itself starts in
 * lib/init.c, at the first malloc. */
#define _GNU_SOURCE
#include "process.h"

#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/single_threaded.h>
#include <unistd.h>

#include "../base/compiler.h"
#include "../base/diag.h"
#include "../base/os.h"
#include "../base/path.h"
#include "../guard/guard.h"
#include "../guard/quarantine.h"
#include "../guard/protect.h"
#include "../guard/sample.h"
#include "../lib/lib.h"
#include "../lib/usage.h"
#include "../report/crash.h"
#include "../report/exit.h"
#include "../report/checkpoint.h"
#include "../report/frag.h"
#include "../report/request.h"
#include "../report/runfile.h"
#include "../report/scan.h"
#include "../report/timeline.h"
#include "../stack/cfi.h"
#include "../stack/modules.h"
#include "../stack/peak.h"
#include "../stack/stack.h"
#include "../stack/unwind.h"

/* fork().  glibc 2.36's fork (posix/fork.c) runs the pthread_atfork prepare
 * handlers, then, only when the process is multi-threaded, takes the stdio
 * list lock (_IO_list_lock) and after it its own malloc's locks.  Heapguard
 * can only run as a prepare handler, before that, so it takes the list lock
 * itself, first.  The order, in every thread:
 *
 *   stdio list lock  ->  a stream's lock  ->  heapguard's locks
 *   (fflush(NULL),       (getline, which      (module walk -> quarantine ->
 *    fopen, fclose)       reallocs)             depot insert -> CFI fill ->
 *                                               arena list -> each arena ->
 *                                               region registry)
 *
 * The fork handler takes the first and the last group, in that order, and
 * never a stream's lock; heapguard never takes the list lock or a stream's
 * lock while it holds one of its own (it writes with write(2), not stdio).
 * So the cycle of glibc's bug 19431 -- a fork holding the heap and waiting
 * for the list lock, fflush(NULL) holding it and waiting for a stream,
 * getline holding that and waiting for the heap -- cannot form: the fork
 * waits for the list lock holding nothing of heapguard's.  The list lock is
 * recursive (_IO_lock_t: owner and count), so glibc's fork takes it again
 * on this thread; in the parent glibc releases its count and ours follows;
 * in the child glibc resets it (_IO_list_resetlock) before the child
 * handlers run, so ours is not released there.  Before all of this the
 * fork waits (bounded) until no thread is inside libunwind.
 *
 * The dynamic loader's locks: glibc's fork takes none in the parent and
 * resets dl_load_lock (not dl_iterate_phdr's dl_load_write_lock) in the
 * child.  Heapguard's locks are taken under a loader lock (a dlopen that
 * allocates), and a loader lock under heapguard's (dl_iterate_phdr under
 * the CFI fill lock or the module walk's lock, whose callbacks take no
 * lock), never in a cycle: the fork handler takes no loader lock while it
 * holds heapguard's.  Holding those two, it also knows no heapguard walk
 * holds dl_load_write_lock when the child is made; libunwind's walks are
 * kept out by the wait for libunwind.
 *
 * A single-threaded process (glibc's __libc_single_threaded, which is 0
 * only if glibc's own test, __libc_single_threaded_internal, is 0 too: both
 * are cleared by the first pthread_create and never set again) takes no
 * lock at all, as glibc does: nothing can be half-updated by another
 * thread, and a fork from a signal handler that interrupted fork or malloc
 * must not wait for this same thread.  Its child resets no lock either.
 *
 * While it holds its locks the forking thread blocks the asynchronous
 * signals, so a handler's nested fork cannot come in between and wait for
 * locks its own thread holds; it leaves the leak scan's stop signal open
 * (a thread waiting for an arena the scan holds must answer it) and the
 * synchronous ones.  What the prepare handler did is this thread's, for the
 * parent and child handlers: two threads may fork at once. */
extern void _IO_list_lock(void);
extern void _IO_list_unlock(void);

static __thread bool fork_locked __attribute__((tls_model("initial-exec")));
static __thread sigset_t fork_saved_mask __attribute__((tls_model("initial-exec")));

static void fork_block_signals(void)
{
	sigset_t all;
	sigfillset(&all);
	static const int open_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS };
	for (size_t i = 0; i < sizeof(open_signals) / sizeof(open_signals[0]); i++)
		sigdelset(&all, open_signals[i]);
	sigdelset(&all, HG_STOP_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &all, &fork_saved_mask);
}

HG_FORK_CODE HG_ENTRY void hg_process_fork_prepare(void)
{
	/* Written only when set (a fork from a handler that interrupted
	 * one): its page was shared with the last child, so a write at every
	 * fork cost the parent a page fault. */
	if (fork_locked)
		fork_locked = false;
	if (!hg_ready)
		return;
	hg_path_exe_read(); /* once: every child's reports name the program */
	hg_usage_fork_prepare();
	hg_protect_before_fork();
	hg_scan_fork_note(__libc_single_threaded);
	if (__libc_single_threaded)
		return;
	fork_block_signals();
	hg_unwind_fork_prepare();
	_IO_list_lock();
	hg_modules_fork_prepare();
	hg_quarantine_fork_prepare();
	hg_depot_fork_prepare();
	hg_cfi_fork_prepare();
	hg_sample_fork_prepare();
	hg_protect_fork_prepare();
	hg_arena_fork_prepare();
	fork_locked = true;
}

HG_FORK_CODE HG_ENTRY void hg_process_fork_parent(void)
{
	hg_generation_fork_parent();
	if (!fork_locked)
		return;
	fork_locked = false;
	hg_arena_fork_parent();
	hg_protect_fork_parent();
	hg_sample_fork_parent();
	hg_cfi_fork_parent();
	hg_depot_fork_parent();
	hg_quarantine_fork_parent();
	hg_modules_fork_parent();
	_IO_list_unlock();
	hg_unwind_fork_parent();
	pthread_sigmask(SIG_SETMASK, &fork_saved_mask, NULL);
}

HG_FORK_CODE HG_ENTRY void hg_process_fork_child(void)
{
	if (!hg_ready)
		return;
	bool locked = fork_locked;
	fork_locked = false;
	/* The locks the other threads may have held: only this thread is left. */
	if (locked) {
		hg_arena_fork_child();
		hg_sample_fork_child();
		hg_protect_fork_child();
		hg_cfi_fork_child();
		hg_depot_fork_child();
		hg_modules_fork_child();
		hg_peak_fork_child();
		hg_frag_fork_child();
		hg_diag_fork_child();
		hg_unwind_fork_child();
	}
	hg_quarantine_fork_child(locked);
	hg_timeline_fork_child(locked);
	hg_cfi_fork_inherit();
	/* A new process, one generation down, whichever way it was forked. */
	hg_generation_fork_child();
	hg_scan_fork_child();
	hg_checkpoint_fork_child();
	hg_exit_fork_child();
	if (locked)
		pthread_sigmask(SIG_SETMASK, &fork_saved_mask, NULL);
}

/* Registered before __libc_start_main registers the dynamic loader's
 * destructor pass, so it runs after every atexit handler and destructor:
 * what is still allocated then is what the program left behind.  It knows
 * the exit status, which leak_exitcode may replace. */
HG_ENTRY static void at_exit(int status, void *arg)
{
	(void)arg;
	if (!hg_ready)
		return;
	/* Where the leak scan's walk to exit()'s caller starts (a function
	 * that takes its frame address has rbp set up as its frame pointer). */
	const uintptr_t *fp = __builtin_frame_address(0);
	hg_unwind_exit_entry((uintptr_t)__builtin_return_address(0), (uintptr_t)(fp + 2), fp[0]);
	hg_os_map_own_code(); /* a fork child's, the exit's code to come */
	int replaced = hg_exit_write_reports(status);
	if (replaced >= 0) {
		fflush(NULL);
		_exit(replaced);
	}
}

/* quick_exit() runs neither on_exit handlers nor destructors, only the
 * at_quick_exit handlers: heapguard registers one of its own, and stands in
 * for quick_exit just to learn the status before glibc's runs them. */
static int quick_exit_status = HG_STATUS_UNKNOWN;
static void (*libc_quick_exit)(int);

HG_ENTRY __attribute__((visibility("default"), noreturn)) void quick_exit(int status)
{
	__atomic_store_n(&quick_exit_status, status, __ATOMIC_RELAXED);
	if (libc_quick_exit == NULL)
		libc_quick_exit = (void (*)(int))dlsym(RTLD_NEXT, "quick_exit");
	if (libc_quick_exit != NULL && libc_quick_exit != quick_exit)
		libc_quick_exit(status);
	_exit(status);
}

static void exit_checks(void);

HG_ENTRY static void at_quick_exit_handler(void)
{
	if (!hg_ready)
		return;
	exit_checks();
	int status = __atomic_load_n(&quick_exit_status, __ATOMIC_RELAXED);
	int replaced = hg_exit_write_reports(status);
	if (replaced >= 0) {
		fflush(NULL);
		_exit(replaced);
	}
}

/* gnulib's close_stdout (ls, cat, sort, grep …) fcloses stderr at exit,
 * before heapguard's exit line: the file fd 2 names is noted just then, to
 * be reopened for that line (see base/os.c).  glibc's own fclose is
 * _IO_fclose, the same function under its other name. */
extern int _IO_fclose(FILE *stream);

HG_ENTRY __attribute__((visibility("default"))) int fclose(FILE *stream)
{
	if (stream == stderr)
		hg_os_stderr_keep();
	return _IO_fclose(stream);
}

/* Programs that never allocate still get their configuration checked.
 * Stacks start here: loading libunwind allocates, which the first malloc
 * (often made by the dynamic loader) could not do. */
__attribute__((constructor)) static void hg_ctor(void)
{
	hg_ensure_init();
	hg_run_start();
	/* A program only=/skip= leave alone gets no stacks (level=fast). */
	if (!hg_config.skipped && (hg_mp.full || hg_config.options.check & 1))
		hg_stack_init();
	hg_checkpoint_start();
	hg_request_signal_init();
	hg_crash_init();
	on_exit(at_exit, NULL);
	at_quick_exit(at_quick_exit_handler);
	/* Looked up now: quick_exit may be called from a signal handler. */
	libc_quick_exit = (void (*)(int))dlsym(RTLD_NEXT, "quick_exit");
}

/* At exit: level=full checks what it still holds; then the statistics.
 * Once: quick_exit runs them from its handler, exit from the destructor. */
static void exit_checks(void)
{
	HG_FORK_STATE static int done;
	if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
		return;
	hg_guard_exit();
	if (hg_config.options.stats_at_exit)
		hg_stats_print();
}

HG_ENTRY __attribute__((destructor)) static void hg_fini(void)
{
	if (hg_ready)
		exit_checks();
}

void hg_process_thread_exit(void)
{
	hg_guard_thread_exit();
	hg_cfi_thread_exit();
}
