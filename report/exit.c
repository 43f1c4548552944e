/* SPDX-License-Identifier: MIT */
/* The end-of-process reports, once per process; see exit.h.  The state is a
 * word changed with atomics only: the abort path may run with any lock held
 * and in any thread, and a forked child starts over. */
#define _GNU_SOURCE
#include "exit.h"

#include <time.h>
#include <unistd.h>

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <string.h>

#include "../base/compiler.h"
#include "../base/diag.h"
#include "../base/fmt.h"
#include "../base/options.h"
#include "../lib/lib.h"
#include "../base/os.h"
#include "frag.h"
#include "leaks.h"
#include "reportfile.h"
#include "runfile.h"

enum { FINAL_NONE, FINAL_WRITING, FINAL_DONE };

HG_FORK_STATE static int final_state = FINAL_NONE;
HG_FORK_STATE static pid_t final_writer; /* the thread writing, while FINAL_WRITING */

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

/* 1234567 -> "1,234,567" */
static const char *grouped(char *buf, size_t len, uint64_t v)
{
	char tmp[32];
	size_t n = hg_fmt(tmp, sizeof(tmp), "%lu", (unsigned long)v), o = 0;
	for (size_t i = 0; i < n && o + 2 < len; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

/* What this process found and wrote, for its one line and its record. */
struct outcome {
	int status, replaced;
	unsigned long errors;
	bool scanned;
	struct hg_leaks_result leaks;
	int leaks_err, frag_err; /* 0 when written (or not attempted) */
	bool leaks_fallback;
	bool asked; /* the reports were asked for (report_on_crash) */
	const char *leaks_report, *frag_report; /* "" when not written */
};

/* The reports' names, written only when a report is (a clean fork child
 * that wrote them would copy two pages for nothing). */
static char leaks_name[HG_REPORT_PATH + 64], frag_name[HG_REPORT_PATH + 64];

static bool has_finding(const struct outcome *o)
{
	return o->errors > 0 || o->leaks.lost_blocks + o->leaks.indirect_blocks > 0;
}

/* The exit status policy: error_exitcode, then leak_exitcode, each only
 * for a process that would exit 0.  -1: keep the status. */
static int exit_policy(const struct outcome *o)
{
	if (o->status < 0 || (o->status & 0xff) != 0)
		return -1;
	if (hg_config.options.error_exitcode != 0 && o->errors > 0)
		return (int)hg_config.options.error_exitcode;
	if (hg_config.options.leak_exitcode != 0 && o->leaks.lost > 0)
		return (int)hg_config.options.leak_exitcode;
	return -1;
}

/* ": heapguard-report NAME", or "; cannot write the leak report NAME: WHY". */
static size_t say_file(char *line, size_t len, const char *what, const char *name, int err,
		       bool frag)
{
	const char *dot = hg_reportfile_dot(name);
	if (err == 0)
		return hg_fmt(line, len, "%s%s%s", what, dot, name);
	return hg_fmt(line, len, "; cannot write the %s report %s: %s",
		      frag ? "fragmentation" : "leak", name,
		      err == EBUSY ? "the heap was locked by another thread or an interrupted call"
		      : strerrordesc_np(err) ? strerrordesc_np(err)
					     : "error");
}

/* The one line at exit: what was found, where the reports are. */
static void summary(const struct outcome *o)
{
	char line[3 * HG_REPORT_PATH + 512], a[32], b[32];
	size_t n = 0, len = sizeof(line);
	uint64_t bytes = o->leaks.lost + o->leaks.indirect;
	uint64_t blocks = o->leaks.lost_blocks + o->leaks.indirect_blocks;
	n += hg_fmt(line + n, len - n, "heapguard:");
	if (o->errors > 0)
		n += hg_fmt(line + n, len - n, " %lu heap error%s%s", o->errors,
			    o->errors == 1 ? "" : "s", blocks > 0 ? "," : "");
	if (blocks > 0) {
		n += hg_fmt(line + n, len - n, " lost %s bytes in %s block%s",
			    grouped(a, sizeof(a), bytes), grouped(b, sizeof(b), blocks),
			    blocks == 1 ? "" : "s");
		if (o->leaks.indirect_blocks > 0)
			n += hg_fmt(line + n, len - n, " (%s indirect)",
				    grouped(a, sizeof(a), o->leaks.indirect));
		n += hg_fmt(line + n, len - n, " at %zu site%s", o->leaks.sites,
			    o->leaks.sites == 1 ? "" : "s");
	}
	if (!has_finding(o)) {
		if (o->leaks_report[0] == '\0' && o->frag_report[0] == '\0')
			return; /* clean, and nothing written to name */
		/* Why a clean process wrote (or tried to): the option that
		 * asked for it, and "written" only if a file was. */
		bool written = (o->leaks_report[0] != '\0' && o->leaks_err == 0) ||
			       (o->frag_report[0] != '\0' && o->frag_err == 0);
		n += hg_fmt(line + n, len - n, " %s (%s)", written ? "reports written" : "no finding",
			    o->asked ? "report_on_crash=1" : "clean_reports=1");
	}
	const char *sep = ":";
	if (o->leaks_report[0] != '\0') {
		n += say_file(line + n, len - n, ": heapguard-report ", o->leaks_report, o->leaks_err,
			      false);
		if (o->leaks_err == 0 && o->leaks_fallback)
			n += hg_fmt(line + n, len - n,
				    " (in $TMPDIR: the current directory is not writable)");
		sep = ";";
	}
	if (o->frag_report[0] != '\0') {
		char what[32];
		hg_fmt(what, sizeof(what), "%s fragmentation: ", sep);
		n += say_file(line + n, len - n, what, o->frag_report, o->frag_err, true);
	}
	if (hg_reportfile_off())
		n += hg_fmt(line + n, len - n, "; no report files (report=off)");
	if (blocks > 0 && !hg_config.options.level)
		n += hg_fmt(line + n, len - n, "; no allocation stacks: they need level=full");
	if (o->replaced >= 0)
		n += hg_fmt(line + n, len - n, "; exit status %u instead of %u (%s)",
			    (unsigned)o->replaced, (unsigned)o->status & 0xff,
			    o->errors > 0 && hg_config.options.error_exitcode != 0 ? "error_exitcode"
										  : "leak_exitcode");
	if (n + 1 < len)
		line[n++] = '\n';
	hg_diag_say(line, n, !hg_run_active());
}

/* The leak scan first, then the decision: a process with a finding (a heap
 * error, lost or indirect bytes not suppressed) writes its reports and says
 * so in one line; a clean one writes and says nothing, unless
 * clean_reports=1 or the reports were asked for (report_on_crash).  In a
 * run the record comes last, clean or not, and nothing about lost bytes goes
 * to stderr.  Returns the status to exit with instead, or -1. */
static int write_reports(enum hg_frag_trigger trigger, int status, bool asked)
{
	HG_FORK_STATE static struct outcome o;
	if (hg_config.skipped)
		return -1;
	memset(&o, 0, sizeof(o));
	o.leaks_report = o.frag_report = "";
	o.status = status;
	o.asked = asked;
	if (hg_config.options.leaks)
		o.scanned = hg_leaks_scan(status, &o.leaks);
	o.errors = __atomic_load_n(&hg_errors_reported, __ATOMIC_RELAXED);
	bool finding = has_finding(&o);
	bool run = hg_run_active();
	bool files = !hg_reportfile_off();
	if (finding || hg_config.options.clean_reports || asked) {
		if (files && hg_config.options.frag) {
			o.frag_err = hg_frag_write(trigger, status, frag_name, sizeof(frag_name));
			if (o.frag_err != 0 && o.frag_err != EAGAIN && frag_name[0] == '\0')
				hg_fmt(frag_name, sizeof(frag_name), "the fragmentation report");
			if (o.frag_err != EAGAIN)
				o.frag_report = frag_name;
		}
		if (files && o.scanned) {
			o.leaks_err = hg_leaks_write(leaks_name, sizeof(leaks_name),
						     &o.leaks_fallback);
			o.leaks_report = leaks_name;
		}
		o.replaced = exit_policy(&o);
		summary(&o);
	} else {
		o.replaced = exit_policy(&o);
	}
	if (run) {
		struct hg_run_outcome rec = {
			.status = status,
			.exitcode = status < 0 ? -1 : o.replaced >= 0 ? o.replaced : status & 0xff,
			.errors = o.errors,
			.scanned = o.scanned && !o.leaks.idle,
			.lost = { o.leaks.lost, o.leaks.lost_blocks },
			.indirect = { o.leaks.indirect, o.leaks.indirect_blocks },
			.suppressed = { o.leaks.suppressed, o.leaks.suppressed_blocks },
			.leaks_report = o.leaks_err == 0 ? o.leaks_report : "",
			.frag_report = o.frag_err == 0 ? o.frag_report : "",
		};
		hg_run_write_record(&rec);
	}
	hg_leaks_done();
	return o.replaced;
}

int hg_exit_write_reports(int status)
{
	if (!claim())
		return -1;
	int replaced = write_reports(HG_FRAG_AT_EXIT, status, false);
	finished();
	return replaced;
}

void hg_exit_before_abort(void)
{
	if (!hg_ready || !claim())
		return;
	write_reports(HG_FRAG_ON_ERROR, HG_STATUS_UNKNOWN, false);
	finished();
}

/* report_on_crash=1, from report/crash.c's signal handler: as before an
 * abort, but asked for (a clean process writes them too). */
void hg_exit_write_crash_reports(void)
{
	if (!hg_ready || !claim())
		return;
	write_reports(HG_FRAG_ON_CRASH, HG_STATUS_UNKNOWN, true);
	finished();
}

HG_FORK_CODE void hg_exit_fork_child(void)
{
	final_state = FINAL_NONE;
	final_writer = 0;
	hg_run_fork_child();
}
