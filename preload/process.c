/* SPDX-License-Identifier: MIT */
/* The process's life around the heap: the constructor (stacks, signals,
 * exit handlers), fork (every layer's locks taken in order), and exit
 * (level=full's last checks, then the reports).  The heap itself starts in
 * lib/init.c, at the first malloc. */
#define _GNU_SOURCE
#include "process.h"

#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../base/diag.h"
#include "../base/os.h"
#include "../guard/guard.h"
#include "../guard/quarantine.h"
#include "../lib/lib.h"
#include "../report/exit.h"
#include "../report/frag.h"
#include "../report/runfile.h"
#include "../stack/cfi.h"
#include "../stack/peak.h"
#include "../stack/stack.h"
#include "../stack/unwind.h"

/* fork(): the quarantine, then every arena (and the registry) are locked
 * so the child sees no structure in the middle of an update. */
void hg_process_fork_prepare(void)
{
	if (!hg_ready)
		return;
	hg_unwind_fork_prepare();
	hg_quarantine_fork_prepare();
	hg_depot_fork_prepare();
	hg_cfi_fork_prepare();
	hg_arena_fork_prepare();
}

void hg_process_fork_parent(void)
{
	if (!hg_ready)
		return;
	hg_arena_fork_parent();
	hg_cfi_fork_parent();
	hg_depot_fork_parent();
	hg_quarantine_fork_parent();
	hg_unwind_fork_done();
}

void hg_process_fork_child(void)
{
	if (!hg_ready)
		return;
	hg_arena_fork_child();
	hg_generation_fork_child();
	hg_cfi_fork_child();
	hg_depot_fork_child();
	hg_peak_fork_child();
	hg_frag_fork_child();
	hg_quarantine_fork_child();
	hg_diag_fork_child();
	hg_exit_fork_child();
	hg_unwind_fork_done();
}

/* Registered before __libc_start_main registers the dynamic loader's
 * destructor pass, so it runs after every atexit handler and destructor:
 * what is still allocated then is what the program left behind.  It knows
 * the exit status, which leak_exitcode may replace. */
static void at_exit(int status, void *arg)
{
	(void)arg;
	if (!hg_ready)
		return;
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

__attribute__((visibility("default"), noreturn)) void quick_exit(int status)
{
	__atomic_store_n(&quick_exit_status, status, __ATOMIC_RELAXED);
	if (libc_quick_exit == NULL)
		libc_quick_exit = (void (*)(int))dlsym(RTLD_NEXT, "quick_exit");
	if (libc_quick_exit != NULL && libc_quick_exit != quick_exit)
		libc_quick_exit(status);
	_exit(status);
}

static void exit_checks(void);

static void at_quick_exit_handler(void)
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

__attribute__((visibility("default"))) int fclose(FILE *stream)
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
	hg_frag_signal_init();
	hg_exit_crash_handlers_init();
	on_exit(at_exit, NULL);
	at_quick_exit(at_quick_exit_handler);
	/* Looked up now: quick_exit may be called from a signal handler. */
	libc_quick_exit = (void (*)(int))dlsym(RTLD_NEXT, "quick_exit");
}

/* At exit: level=full checks what it still holds; then the statistics.
 * Once: quick_exit runs them from its handler, exit from the destructor. */
static void exit_checks(void)
{
	static int done;
	if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL))
		return;
	hg_guard_exit();
	if (hg_config.options.stats_at_exit)
		hg_stats_print();
}

__attribute__((destructor)) static void hg_fini(void)
{
	if (hg_ready)
		exit_checks();
}
