/* SPDX-License-Identifier: MIT */
/* The launcher's own reading of a run's process records (format/process.h):
 * just the totals its exit status and its fallback summary line need, for
 * when heapguard-report cannot give the line.  The reader (reader/) is the
 * one that reads a run in full. */
#ifndef HG_TOOLS_RECORDS_H
#define HG_TOOLS_RECORDS_H

#include <stddef.h>
#include <stdint.h>

struct hg_run_totals {
	uint64_t processes;	  /* complete records read */
	uint64_t clean;		  /* of them, no heap error and no unsuppressed lost bytes */
	uint64_t errors;	  /* heap errors, summed */
	uint64_t error_processes; /* processes with at least one heap error */
	uint64_t lost_bytes;	  /* unsuppressed lost bytes, summed */
	uint64_t lost_blocks;	  /* and their blocks */
	uint64_t lost_processes;  /* processes with unsuppressed lost or indirect bytes */
	uint64_t damaged;	  /* records that could not be read (truncated, bad magic) */
};

/* Add up every record of every .proc file of dir, the run's journal
 * (processes.proc) and records of their own alike (hidden files, the
 * writers' temporary names, are not records).  Returns 0, or -1 with errno when dir cannot be
 * read. */
int hg_records_read(const char *dir, struct hg_run_totals *totals);

/* The one-line summary of a run in heapguard-report --summary-line's words,
 * without its newline, into buf (truncated to len). */
void hg_records_summary_line(const struct hg_run_totals *totals, const char *dir, char *buf,
			     size_t len);

#endif
