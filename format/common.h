/* SPDX-License-Identifier: MIT */
/* What both report formats share (heapguard-report(5)): the encoding (lines,
 * fields, escapes), the records that say which process wrote a report and
 * how it was configured (version .. stack), the words of the level and of
 * the option sources, and "stack 0".  The writer (report/) and the reader
 * (reader/) spell none of these themselves.  Constants and small inline
 * functions only: the writer runs inside the process at exit, where nothing
 * may allocate, and this folder includes nothing of heapguard's. */
#ifndef HG_FORMAT_COMMON_H
#define HG_FORMAT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* ---- encoding ---- */

#define HG_FMT_LINE_MAX 65536 /* bytes of a line, without its newline */

/* How a text field writes byte c: 0 as it is, else the letter after the
 * backslash ('x': two lowercase hex digits follow). */
static inline char hg_fmt_escape(unsigned char c)
{
	switch (c) {
	case '\\':
		return '\\';
	case '\n':
		return 'n';
	case '\t':
		return 't';
	case '\r':
		return 'r';
	default:
		return c < 0x20 || c == 0x7f ? 'x' : 0;
	}
}

/* The byte an escape letter other than 'x' stands for, or -1. */
static inline int hg_fmt_unescape(char letter)
{
	switch (letter) {
	case '\\':
		return '\\';
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	default:
		return -1;
	}
}

/* ---- records ---- */

/* One record type of a format: its keyword, whether it may repeat (any
 * number of times, none included) and whether it must appear.  Each format
 * lists its records in the order a file has them (format/leaks.h,
 * format/frag.h). */
struct hg_fmt_record {
	const char *name;
	bool repeats;
	bool required;
};

/* The records both formats have, in this order, after the first line. */

#define HG_FMT_VERSION "version" /* heapguard's version */
#define HG_FMT_PROGRAM "program" /* path, escaped, last field */
#define HG_FMT_PID     "pid"
#define HG_FMT_PPID    "ppid"
#define HG_FMT_TIME    "time" /* seconds, then YYYY-MM-DDThh:mm:ssZ */
#define HG_FMT_LEVEL   "level"
#define HG_FMT_STATUS  "status" /* the exit status, or HG_FMT_STATUS_UNKNOWN */
#define HG_FMT_ARG     "arg"	/* index, text (last field) */
#define HG_FMT_OPTION  "option" /* name, source, value (last field) */
#define HG_FMT_MODULE  "module" /* index, base, build id, path (last field) */
#define HG_FMT_STACK   "stack"	/* id, frames */

#define HG_FMT_STATUS_UNKNOWN "-"
#define HG_FMT_BUILD_ID_NONE  "-"
#define HG_FMT_NO_MODULE      "?" /* a frame in no module: ?+0xADDRESS */
#define HG_FMT_FRAMES_MAX     64  /* frames of one stack line */
#define HG_FMT_BUILD_ID_MAX   512 /* hex digits of a build id */
/* A site, pin or peak line with stack 0 names no stack: the blocks it
 * counts have no recorded allocation stack. */
#define HG_FMT_NO_STACK 0

/* The level line's words. */
enum hg_fmt_level {
	HG_FMT_LEVEL_FAST,
	HG_FMT_LEVEL_FULL,
	HG_FMT_LEVELS,
};

static inline const char *hg_fmt_level_name(enum hg_fmt_level level)
{
	static const char *const names[HG_FMT_LEVELS] = { "fast", "full" };
	return (unsigned)level < HG_FMT_LEVELS ? names[level] : "?";
}

/* Where an option's value came from: the source word of an option line.
 * Version 1 reports know the first three, and say env for any source
 * but the default and GLIBC_TUNABLES. */
enum hg_fmt_source {
	HG_FMT_SOURCE_DEFAULT,	  /* not set: heapguard's or glibc's default */
	HG_FMT_SOURCE_ENV,	  /* HEAPGUARD_OPTIONS */
	HG_FMT_SOURCE_TUNABLE,	  /* GLIBC_TUNABLES=glibc.malloc.NAME=VALUE */
	HG_FMT_SOURCE_MALLOC_ENV, /* the parameter's MALLOC_* variable */
	HG_FMT_SOURCE_MALLOPT,	  /* mallopt() while the program ran */
	HG_FMT_SOURCE_CONFIG,	  /* /etc/heapguard.conf (set-user-ID programs) */
	HG_FMT_SOURCES,
};
#define HG_FMT_SOURCES_V1 (HG_FMT_SOURCE_TUNABLE + 1)

static inline const char *hg_fmt_source_name(enum hg_fmt_source source)
{
	static const char *const names[HG_FMT_SOURCES] = {
		"default", "env", "tunable", "malloc_env", "mallopt", "config",
	};
	return (unsigned)source < HG_FMT_SOURCES ? names[source] : "?";
}

/* From version 2 on, glibc's malloc parameters follow heapguard's options
 * as option lines named as GLIBC_TUNABLES names them (glibc.malloc.top_pad),
 * so that a run can be set up again from its report. */
#define HG_FMT_GLIBC_PARAM_PREFIX "glibc.malloc."

/* The source a word names, or HG_FMT_SOURCES for none. */
static inline enum hg_fmt_source hg_fmt_source_parse(const char *word)
{
	unsigned s;
	for (s = 0; s < HG_FMT_SOURCES; s++)
		if (strcmp(word, hg_fmt_source_name((enum hg_fmt_source)s)) == 0)
			break;
	return (enum hg_fmt_source)s;
}

#endif
