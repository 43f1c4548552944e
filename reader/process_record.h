/* SPDX-License-Identifier: MIT */
/* A run's process records (a .proc file, the run's journal or a record of
 * its own; format/process.h and heapguard-report(5), PROCESS RECORD) as the
 * reader holds them: the facts a process of a run left at exit, clean or
 * not.  Read tolerantly: unknown keys are skipped, but a record without its
 * end line is refused (truncated, or its writer cut short), alone. */
#ifndef HG_READER_PROCESS_RECORD_H
#define HG_READER_PROCESS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leak_report.h"

#define HG_PROCESS_INPUT_MAX (1u << 20) /* bytes of a record read at most */
#define HG_PROCESS_ARGS_MAX  256	/* arg lines kept at most */

struct hg_proc {
	char *path;    /* the file it was read from */
	char *version; /* heapguard's, or NULL */
	char *program; /* the executable's path */
	char **args;
	size_t nargs;
	uint64_t pid, ppid, fork, time;
	bool fast;	 /* level fast */
	bool has_status; /* false for "status -" */
	uint64_t status;
	bool has_exitcode; /* false for "exitcode -" */
	uint64_t exitcode;
	uint64_t errors; /* heap errors reported */
	struct hg_leak_amount lost, indirect, suppressed;
	bool scanned;	    /* the leak scan ran */
	char *report_leaks; /* the names of the reports it wrote, or NULL */
	char *report_frag;
};

/* A file's records, in file order. */
struct hg_proc_list {
	struct hg_proc *procs;
	size_t n, cap;
};

/* Told each damaged record, "PATH:LINE: what" (the record is skipped). */
typedef void hg_proc_warn_fn(void *ctx, const char *err);

/* Appends the complete records of path to list; each damaged one (no end
 * line, a bad line, a writer cut short) goes to warn instead.  0, or -1 and
 * "PATH: why" (or "PATH:LINE: why") in err when the file cannot be read or
 * memory ran out. */
int hg_proc_load_all(const char *path, struct hg_proc_list *list, hg_proc_warn_fn *warn,
		     void *ctx, char *err, size_t errlen);
void hg_proc_free(struct hg_proc *proc);
void hg_proc_list_free(struct hg_proc_list *list);

#endif
