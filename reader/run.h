/* SPDX-License-Identifier: MIT */
/* A run as the reader holds it: a run directory of process records and
 * reports, or several such files, read into processes (one per record, plus
 * one per leak report no record names), then their heap errors and leak
 * sites merged.  The merge works on one module/stack/frame table for the
 * whole run (a struct hg_leaks of its own): first by raw frames (module
 * build id and offset), so that each distinct frame is symbolized once
 * however many reports hold it, then by symbolized frames. */
#ifndef HG_READER_RUN_H
#define HG_READER_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leak_report.h"
#include "map.h"
#include "process_record.h"
#include "suppress.h"
#include "symbolize.h"

struct hg_run_process {
	struct hg_proc *record; /* NULL: a leak report without a record */
	struct hg_leaks *leaks; /* NULL: no leak report read */
	const char *program;	/* the executable's path */
	uint64_t pid;
	bool fast;			      /* level=fast */
	uint64_t errors;		      /* heap errors reported */
	struct hg_leak_amount lost, indirect; /* not suppressed */
};

/* A heap error, its stacks in the run's table. */
struct hg_run_error {
	const struct hg_run_process *process;
	const struct hg_leak_error *error; /* the report's */
	uint32_t stack, alloc_stack, free_stack;
	char *where; /* "KIND at FUNCTION" for the summary, malloc'd */
};

/* A leak site merged over processes. */
struct hg_run_site {
	enum hg_leak_kind kind;
	uint32_t stack; /* in the run's table: the first stack merged */
	uint64_t bytes, blocks;
	uint32_t *processes; /* indices into processes, ascending, distinct */
	size_t nprocesses;
	const char *suppressed_by; /* the pattern a process matched, or NULL */
	bool shown;		   /* not dropped by --suppress */
	char *key;		   /* kind and symbolized frames, lines included */
	char *fingerprint;	   /* 32 hex digits from functions and files */
};

struct hg_run {
	const char *const *operands; /* as given: the directory, or the files */
	size_t noperands;
	struct hg_run_process *processes;
	size_t nprocesses;
	struct hg_proc_list records; /* of every .proc file read */
	struct hg_leaks *reports;
	size_t nreports;
	size_t frag_reports;   /* seen, not read: each is read alone */
	char **frag_paths;     /* their paths (malloc'd), for --html */
	size_t damaged;	       /* files and records skipped with a warning */
	struct hg_leaks table; /* the run's modules, stacks and frames */
	struct hg_symbolizer *sym;
	struct hg_run_error *errors;
	size_t nerrors;
	struct hg_run_site *sites; /* lost first, then by bytes */
	size_t nsites;
	unsigned show;			    /* HG_SHOW() bits */
	const struct hg_suppressions *supp; /* --suppress, or NULL */
	/* Sums over the processes. */
	size_t clean;
	uint64_t errors_total, error_processes, lost_processes;
	struct hg_leak_amount lost, indirect;
};

struct hg_run_options {
	unsigned show;
	enum hg_sym_backend backend;
	bool demangle;
	struct hg_suppressions *supp; /* --suppress, or NULL */
};

/* Whether path is a directory, or a file only a run holds (a record). */
bool hg_run_wants(const char *path);

/* Reads and merges: 0, or -1 when nothing could be read (one line on
 * stderr said why) or out of memory. */
int hg_run_load(struct hg_run *run, const char *const *operands, size_t n,
		const struct hg_run_options *opt);
void hg_run_free(struct hg_run *run);

/* The base name of a path (not copied). */
const char *hg_run_base_name(const char *path);

/* The printers (run_text.c, run_json.c, sarif.c). */
void hg_run_print_text(FILE *out, const struct hg_run *run, bool gen_supp);
void hg_run_print_json(FILE *out, const struct hg_run *run, bool gen_supp);
void hg_run_print_summary(FILE *out, const struct hg_run *run);
void hg_run_print_sarif(FILE *out, const struct hg_run *run);
/* diff OLD NEW of two runs: the sites of new that old lacks; their number. */
long hg_run_print_diff(FILE *out, const struct hg_run *old, const struct hg_run *new, bool json);

struct hg_program_count {
	const char *name; /* the program's base name */
	size_t count;
};

/* The processes by program, most first: malloc'd (n set), or NULL. */
struct hg_program_count *hg_run_programs(const struct hg_run *run, size_t *n);

/* "lost: 333 bytes in 8 blocks at f (f.c:21) in 8 processes (pids ...)". */
void hg_run_put_site_title(FILE *out, const struct hg_run *run, const struct hg_run_site *s);

/* The key of a stack: kind, then per frame function and source base name,
 * with lines and offsets when exact: malloc'd or NULL. */
char *hg_run_stack_key(const struct hg_run *run, const char *kind, uint32_t stack, bool exact);
/* 32 lowercase hex digits of a key: malloc'd or NULL. */
char *hg_run_fingerprint(const char *key);

/* The innermost function of a stack that is not an allocator's, or NULL. */
const char *hg_run_function(const struct hg_run *run, uint32_t stack);

#endif
