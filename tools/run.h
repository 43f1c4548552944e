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

/* Print the run's final summary as the launcher's last line on stderr:
 * heapguard-report --summary-line DIR's, or when that cannot be had, the
 * launcher's own from totals (the run's records, read after the command). */
void hg_run_summary(const char *dir, const struct hg_run_totals *totals);

#endif
