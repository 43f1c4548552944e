/* SPDX-License-Identifier: MIT */
/* A leak report (<prefix>.leaks.gz, heapguard-report(5); its format is
 * format/leaks.h's) as the reader holds it in memory once it has been parsed
 * and checked: every reference is resolved to an index, every number is
 * within its bounds, and the totals agree with the sites. */
#ifndef HG_READER_LEAK_REPORT_H
#define HG_READER_LEAK_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../format/leaks.h"

/* What this reader holds at most (heapguard-report(5), Limits). */
#define HG_LEAKS_INPUT_MAX   (1ull << 30) /* uncompressed bytes read at most */
#define HG_LEAKS_RECORDS_MAX 10000000u	  /* sites, stacks, modules: each */
#define HG_LEAKS_FRAMES_MAX  (16u << 20)  /* frames over all stacks */
#define HG_LEAKS_ERROR_MAX   768

#define HG_NO_MODULE UINT32_MAX /* a "?+0x<address>" frame */
#define HG_NO_STACK  UINT32_MAX /* a site with stack 0 */

struct hg_leak_module {
	uint64_t base;	/* load bias */
	char *build_id; /* lowercase hex, NULL for "-" */
	char *path;	/* unescaped; may be empty */
};

struct hg_leak_frame {
	uint32_t module; /* index into modules, or HG_NO_MODULE */
	uint64_t offset; /* return address from the module's base */
};

struct hg_leak_stack {
	uint64_t id;
	uint32_t first; /* index of the innermost frame in frames */
	uint32_t count; /* 1..HG_FMT_FRAMES_MAX */
};

struct hg_leak_site {
	enum hg_leak_kind kind;
	uint32_t stack; /* index into stacks, or HG_NO_STACK */
	uint64_t blocks, bytes, min, max;
	uint64_t threads[HG_LEAKS_THREADS_LISTED];
	uint8_t nthreads;
	bool more_threads; /* the list ended with ",+" */
	char *suppressed_by; /* the pattern that matched it in the process, or NULL */
};

/* A heap error the process reported (format 3's error records). */
struct hg_leak_error {
	char *kind;			    /* as the diagnostics name it: double-free, ... */
	uint64_t address;		    /* the user pointer the diagnostic names */
	uint32_t stack, alloc_stack, free_stack; /* indices into stacks, or HG_NO_STACK */
	char *message;			    /* the diagnostic's first line, unescaped */
};

struct hg_leak_amount {
	uint64_t bytes, blocks;
};

struct hg_leak_option {
	char *name, *source, *value;
};

struct hg_leaks {
	char *path;    /* the file it was read from */
	unsigned format; /* its format's version (major) */
	char *version; /* heapguard's version that wrote it */
	char *program;
	uint64_t pid, ppid, time;
	char *time_utc;	 /* the ISO 8601 form, as written */
	bool fast;	 /* level=fast: no stacks */
	bool has_status; /* false for "status -" */
	uint64_t status;
	uint64_t checkpoint;	/* a checkpoint's number (1, 2, ...), 0: not one */
	uint64_t checkpoint_us;	/* its time since the checkpoint before, or the start */
	char **args;
	size_t nargs;
	struct hg_leak_option *options;
	size_t noptions;
	struct hg_leak_module *modules;
	size_t nmodules;
	struct hg_leak_stack *stacks;
	size_t nstacks;
	struct hg_leak_frame *frames;
	size_t nframes;
	struct hg_leak_site *sites;
	size_t nsites;
	struct hg_leak_amount totals[HG_KINDS];
	struct hg_leak_error *errors; /* the listed ones, in time order */
	size_t nerrors;
	uint64_t errors_total;		 /* reported, listed or not */
	struct hg_leak_amount suppressed; /* lost + indirect of the suppressed sites */
	bool has_depot, has_scan, has_scan_blocks;
	uint64_t depot[4]; /* stacks, bytes, captures, hits */
	uint64_t scan[6];  /* roots bytes, threads, not stopped, microseconds,
			      blocks, heap bytes (these two if has_scan_blocks) */
};

/* Read and check path.  On failure, report is left empty and err holds one
 * line "PATH:LINE: what is wrong" (or "PATH: why it cannot be read"). */
int hg_leaks_load(const char *path, struct hg_leaks *report, char *err, size_t errlen);

void hg_leaks_free(struct hg_leaks *report);

/* The frames of stack index stack (HG_NO_STACK: none), innermost first. */
static inline const struct hg_leak_frame *hg_leaks_stack(const struct hg_leaks *report,
							 uint32_t stack, unsigned *count)
{
	if (stack == HG_NO_STACK) {
		*count = 0;
		return NULL;
	}
	*count = report->stacks[stack].count;
	return &report->frames[report->stacks[stack].first];
}

static inline const struct hg_leak_frame *hg_leaks_stack_frames(const struct hg_leaks *report,
								const struct hg_leak_site *site,
								unsigned *count)
{
	return hg_leaks_stack(report, site->stack, count);
}

/* The id a stack index was written with, 0 for HG_NO_STACK. */
static inline uint64_t hg_leaks_stack_id(const struct hg_leaks *report, uint32_t stack)
{
	return stack == HG_NO_STACK ? 0 : report->stacks[stack].id;
}

#endif
