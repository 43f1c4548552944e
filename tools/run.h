/* SPDX-License-Identifier: MIT */
/* What the launcher does around the command when it makes a run (the
 * default): the run directory, the command as a child with the terminal's
 * signals passed on, and the run's final summary line. */
#ifndef HG_TOOLS_RUN_H
#define HG_TOOLS_RUN_H

#include <stdbool.h>

#include "records.h"

/* The run directory, absolute, created 0700 (missing parents too) unless it
 * exists.  requested NULL: ./heapguard-run-YYYYMMDD-HHMMSS-PID, or the same
 * name in $TMPDIR or /tmp when the current directory is not writable.
 * *created tells whether this call made the directory.  On failure one line
 * on stderr and NULL. */
char *hg_run_dir_create(const char *requested, bool *created);

/* Run argv (looked up in PATH) as a child and wait for it, passing on the
 * SIGINT, SIGTERM and SIGHUP sent to the launcher by another process (those
 * of the terminal reach the child directly).  Returns its wait status, or -1
 * with *exec_errno when it could not be executed. */
int hg_run_command(char *const *argv, int *exec_errno);

/* A run named by --run-dir or run_dir may be shared by several launchers
 * at once (make -j check with the launcher as each test's LOG_COMPILER):
 * each one's command writes into a private part of it, a new hidden
 * DIR/.heapguard-launch-XXXXXX (0700), so that the launcher counts its own
 * command's processes only; then the part is merged into DIR.  On failure
 * one line on stderr and NULL. */
char *hg_run_part_create(const char *dir);

/* Move the part's files into dir under their names (reports first, then
 * the records that name them; a name dir already has stays in the part)
 * and remove the part when that leaves it empty. */
void hg_run_part_merge(const char *part, const char *dir);

/* Print the summary of the run read from read_dir (the run, or a part of
 * it) as the launcher's last line on stderr, naming dir as the run:
 * heapguard-report --summary-line's line, or when that cannot be had, the
 * launcher's own from totals (the records, read after the command). */
void hg_run_summary(const char *read_dir, const char *dir, const struct hg_run_totals *totals);

#endif
