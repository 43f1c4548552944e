/* SPDX-License-Identifier: MIT */
/* A run (run_dir=): where the process's files go (PREFIX =
 * RUN_DIR/PROG.PID.UNIQ, a new UNIQ in every process and fork child) and
 * the process record it leaves there at exit (format/process.h,
 * heapguard-report(5)), written last: appended to RUN_DIR/processes.proc,
 * or under a file size limit alone in PREFIX.proc, never over another
 * file.  Nothing here calls malloc. */
#ifndef HG_RUNFILE_H
#define HG_RUNFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* run_dir= is set. */
bool hg_run_active(void);

/* At start: a relative run_dir is taken from the current directory now. */
void hg_run_start(void);

/* fork(): the child is a new process of the run, one generation down. */
void hg_run_fork_child(void);

/* The prefix of this process's files, RUN_DIR (created 0700 with its
 * parents when missing) then "/PROG.PID.UNIQ".  0, or an errno. */
int hg_run_prefix(char *out, size_t len);

/* What the record says of how the process ended. */
struct hg_run_outcome {
	int status;		  /* exit()'s status, or negative: unknown */
	int exitcode;		  /* the status it ends with, or negative: unknown */
	unsigned long errors;	  /* heap errors reported */
	bool scanned;		  /* the leak scan ran */
	uint64_t lost[2];	  /* bytes, blocks; not suppressed */
	uint64_t indirect[2];	  /* bytes, blocks; not suppressed */
	uint64_t suppressed[2];	  /* bytes, blocks of suppressed lost + indirect */
	const char *leaks_report; /* path of the report written, or "" */
	const char *frag_report;
};

/* Append the record to the journal (or write PREFIX.proc); a failure is
 * said on stderr in one line. */
void hg_run_write_record(const struct hg_run_outcome *o);

#endif
