/* SPDX-License-Identifier: MIT */
/* What every report file shares: its name (report= expanded, $TMPDIR when
 * the current directory refuses files) and the lines that say which
 * process wrote it, how it was configured, its modules and stacks
 * (heapguard-report(5)).  Nothing here calls malloc. */
#ifndef HG_REPORTFILE_H
#define HG_REPORTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HG_REPORT_PATH 4096

struct hg_gzfile;
struct hg_modules;

/* report=off: no report file is written, at exit or when asked for (the
 * scan, the summary line and the run's record stay).  The word a person
 * types to turn the files off; a prefix named "off" is "./off". */
bool hg_reportfile_off(void);

/* The program's path, from /proc/self/exe ("" if unknown). */
void hg_reportfile_exe(char *exe, size_t len);

/* Start the file <prefix><suffix> (in a run, the run's prefix): NULL with *err (an errno) and the name
 * it would have had in final on failure.  *fallback: it went to $TMPDIR. */
struct hg_gzfile *hg_reportfile_create(const char *exe, time_t now, const char *suffix,
				       char *final, size_t len, bool *fallback, int *err);

/* fork(): a name another thread was choosing is not the child's. */
void hg_reportfile_fork_child(void);

/* What to print before a report's name so that it can be pasted as a
 * path: "./" for a bare file name. */
static inline const char *hg_reportfile_dot(const char *name)
{
	return name[0] == '/' || name[0] == '.' ? "" : "./";
}

/* "SECONDS YYYY-MM-DDThh:mm:ssZ", as the time records write it. */
size_t hg_reportfile_time(char *buf, size_t len, time_t t);

/* version, program, pid, ppid, time and level lines. */
void hg_reportfile_write_process(struct hg_gzfile *gz, const char *exe, time_t now);
/* arg, option and module lines. */
void hg_reportfile_write_setup(struct hg_gzfile *gz, const struct hg_modules *m);
/* A stack line; false (nothing written) for an id the depot does not hold. */
bool hg_reportfile_write_stack(struct hg_gzfile *gz, const struct hg_modules *m, uint32_t id);

#endif
