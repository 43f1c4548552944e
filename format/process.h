/* SPDX-License-Identifier: MIT */
/* The process record of a run, heapguard-process (heapguard-report(5)): the
 * few lines a process of a run leaves at exit, clean or not, so that the
 * run knows every process it saw.  Each is appended to the run's journal,
 * RUN_DIR/processes.proc, after an empty line (or, under a file size limit,
 * written alone to PREFIX.proc): a .proc file holds one record or more.  Written by report/ (runfile), read by
 * the reader's run view and the launcher's final summary.  Plain text (not
 * gzip): one record a line, "key value", text fields escaped as in the
 * reports (format/common.h) and always last on their line. */
#ifndef HG_FORMAT_PROCESS_H
#define HG_FORMAT_PROCESS_H

#define HG_PROCESS_NAME	  "process"
#define HG_PROCESS_SUFFIX ".proc" /* a file of records */
#define HG_PROCESS_JOURNAL "processes" HG_PROCESS_SUFFIX /* the run's, records appended */
#define HG_PROCESS_MAGIC  "heapguard-" HG_PROCESS_NAME /* first line: magic version */
#define HG_PROCESS_FORMAT_VERSION 1

/* The records, in file order; a reader skips keys it does not know. */
#define HG_PROCESS_PROGRAM   "program"	      /* executable's path, escaped */
#define HG_PROCESS_ARG	     "arg"	      /* index, text (escaped); repeats */
#define HG_PROCESS_PID	     "pid"
#define HG_PROCESS_PPID	     "ppid"
#define HG_PROCESS_FORK	     "fork"	      /* 0: started by exec; n: forked n generations below */
#define HG_PROCESS_TIME	     "time"	      /* seconds, then YYYY-MM-DDThh:mm:ssZ (at exit) */
#define HG_PROCESS_LEVEL     "level"	      /* fast or full */
#define HG_PROCESS_STATUS    "status"	      /* exit()'s status, or "-" (abort, crash) */
#define HG_PROCESS_EXITCODE  "exitcode"	      /* the status it ended with, or "-" */
#define HG_PROCESS_ERRORS    "errors"	      /* heap errors reported, under any check= */
#define HG_PROCESS_LOST	     "lost"	      /* bytes blocks, not suppressed */
#define HG_PROCESS_INDIRECT  "indirect"	      /* bytes blocks, not suppressed */
#define HG_PROCESS_SUPPRESSED "suppressed"    /* bytes blocks of suppressed lost+indirect */
#define HG_PROCESS_SCANNED   "scanned"	      /* 1 when the leak scan ran, 0 when not */
#define HG_PROCESS_REPORT    "report"	      /* name file: "leaks" or "frag", then the
					       * file's name in the run directory */
#define HG_PROCESS_END	     "end"

#endif
