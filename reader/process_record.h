/* SPDX-License-Identifier: MIT */
/* A run's process record (<prefix>.proc, format/process.h and
 * heapguard-report(5), PROCESS RECORD) as the reader holds it: the facts a
 * process of a run left at exit, clean or not.  Read tolerantly: unknown keys
 * are skipped, but a file without its end line is refused (truncated). */
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

/* Reads path: 0, or -1 and "PATH:LINE: what" (or "PATH: why") in err. */
int hg_proc_load(const char *path, struct hg_proc *proc, char *err, size_t errlen);
void hg_proc_free(struct hg_proc *proc);

#endif
