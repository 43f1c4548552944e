/* SPDX-License-Identifier: MIT */
/* The leak report format, heapguard-leaks (heapguard-report(5)): its first
 * line and version, its records in file order, the kinds of leaked blocks
 * and how a site lists its threads.  Shared by the writer (report/leaks.c)
 * and the reader (reader/parse.c); see format/common.h for what both
 * formats have. */
#ifndef HG_FORMAT_LEAKS_H
#define HG_FORMAT_LEAKS_H

#include "common.h"

/* The format's name: in its first line, its files' names and the
 * "report" member of heapguard-report's JSON. */
#define HG_LEAKS_NAME	"leaks"
#define HG_LEAKS_SUFFIX "." HG_LEAKS_NAME ".gz" /* after the report= prefix */
#define HG_LEAKS_MAGIC	"heapguard-" HG_LEAKS_NAME
/* A checkpoint's report (heapguard_checkpoint()): after the prefix, with
 * its number. */
#define HG_LEAKS_CHECKPOINT_SUFFIX ".checkpoint%u" HG_LEAKS_SUFFIX
/* 2: glibc's malloc parameters among the options, each with its source
 * (malloc_env, mallopt and config are new).  3: the heap errors the process
 * reported (errors, error), the suppression that matched a site (its last
 * field suppressed=PATTERN) and the suppressed amount.  Readers still read
 * 1 and 2. */
#define HG_LEAKS_FORMAT_VERSION 3
#define HG_LEAKS_FORMAT_OLDEST	1

#define HG_LEAKS_CHECKPOINT "checkpoint" /* number microseconds: a checkpoint's report */
#define HG_LEAKS_ERRORS	    "errors"	 /* total listed: heap errors reported, and listed */
#define HG_LEAKS_ERROR	    "error"	 /* kind 0xaddress stack alloc_stack free_stack message */
#define HG_LEAKS_SITE	    "site"	 /* kind stack blocks bytes min max threads [suppressed=] */
#define HG_LEAKS_TOTALS	    "totals"	 /* bytes and blocks of each kind, in kind order */
#define HG_LEAKS_SUPPRESSED "suppressed" /* bytes blocks of the suppressed lost+indirect */
#define HG_LEAKS_DEPOT	    "depot"	 /* stacks bytes captures hits */
#define HG_LEAKS_SCAN	    "scan"	 /* root_bytes threads not_stopped microseconds */
#define HG_LEAKS_END	    "end"	 /* sites stacks */

#define HG_LEAKS_ERRORS_LISTED	64	      /* error records at most (the first in time) */
#define HG_LEAKS_SUPPRESSED_BY	"suppressed=" /* a site's last field: the rule's pattern */
#define HG_LEAKS_THREADS_LISTED 8	      /* thread numbers a site lists at most */
#define HG_LEAKS_MORE_THREADS	",+"	      /* after them, when there were more */

/* The records in file order. */
enum hg_leaks_record {
	HG_LEAKS_REC_MAGIC,
	HG_LEAKS_REC_VERSION,
	HG_LEAKS_REC_PROGRAM,
	HG_LEAKS_REC_PID,
	HG_LEAKS_REC_PPID,
	HG_LEAKS_REC_TIME,
	HG_LEAKS_REC_LEVEL,
	HG_LEAKS_REC_STATUS,
	HG_LEAKS_REC_ARG,
	HG_LEAKS_REC_OPTION,
	HG_LEAKS_REC_MODULE, /* unknown records are skipped from here on */
	HG_LEAKS_REC_STACK,
	HG_LEAKS_REC_CHECKPOINT, /* only in a checkpoint's report */
	HG_LEAKS_REC_ERRORS, /* version 3 on: errors and suppressed always there */
	HG_LEAKS_REC_ERROR,
	HG_LEAKS_REC_SITE,
	HG_LEAKS_REC_TOTALS,
	HG_LEAKS_REC_SUPPRESSED,
	HG_LEAKS_REC_DEPOT, /* informational: a reader does not need them */
	HG_LEAKS_REC_SCAN,
	HG_LEAKS_REC_END,
	HG_LEAKS_RECORDS,
};

static inline const struct hg_fmt_record *hg_leaks_records(void)
{
	static const struct hg_fmt_record records[HG_LEAKS_RECORDS] = {
		[HG_LEAKS_REC_MAGIC] = { HG_LEAKS_MAGIC, false, true },
		[HG_LEAKS_REC_VERSION] = { HG_FMT_VERSION, false, true },
		[HG_LEAKS_REC_PROGRAM] = { HG_FMT_PROGRAM, false, true },
		[HG_LEAKS_REC_PID] = { HG_FMT_PID, false, true },
		[HG_LEAKS_REC_PPID] = { HG_FMT_PPID, false, true },
		[HG_LEAKS_REC_TIME] = { HG_FMT_TIME, false, true },
		[HG_LEAKS_REC_LEVEL] = { HG_FMT_LEVEL, false, true },
		[HG_LEAKS_REC_STATUS] = { HG_FMT_STATUS, false, true },
		[HG_LEAKS_REC_ARG] = { HG_FMT_ARG, true, false },
		[HG_LEAKS_REC_OPTION] = { HG_FMT_OPTION, true, false },
		[HG_LEAKS_REC_MODULE] = { HG_FMT_MODULE, true, false },
		[HG_LEAKS_REC_STACK] = { HG_FMT_STACK, true, false },
		[HG_LEAKS_REC_CHECKPOINT] = { HG_LEAKS_CHECKPOINT, false, false },
		/* Required from version 3 on: the reader checks that itself. */
		[HG_LEAKS_REC_ERRORS] = { HG_LEAKS_ERRORS, false, false },
		[HG_LEAKS_REC_ERROR] = { HG_LEAKS_ERROR, true, false },
		[HG_LEAKS_REC_SITE] = { HG_LEAKS_SITE, true, false },
		[HG_LEAKS_REC_TOTALS] = { HG_LEAKS_TOTALS, false, true },
		[HG_LEAKS_REC_SUPPRESSED] = { HG_LEAKS_SUPPRESSED, false, false },
		[HG_LEAKS_REC_DEPOT] = { HG_LEAKS_DEPOT, false, false },
		[HG_LEAKS_REC_SCAN] = { HG_LEAKS_SCAN, false, false },
		[HG_LEAKS_REC_END] = { HG_LEAKS_END, false, true },
	};
	return records;
}

/* What the reachability scan makes of a live block, in the order sites and
 * totals list them. */
enum hg_leak_kind {
	HG_LOST,
	HG_INDIRECT,
	HG_REACHABLE,
	HG_KINDS,
};

static inline const char *hg_leak_kind_name(enum hg_leak_kind kind)
{
	static const char *const names[HG_KINDS] = { "lost", "indirect", "reachable" };
	return (unsigned)kind < HG_KINDS ? names[kind] : "?";
}

#endif
