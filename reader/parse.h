/* SPDX-License-Identifier: MIT */
/* What the two report parsers (leaks, parse.c; fragmentation, frag_parse.c)
 * share: the line loop over a bounded gzip stream, a table of record types
 * in the order a format requires them, the field cursor, numbers and escapes
 * checked with one "PATH:LINE: what is wrong" error, and the records both
 * formats have (the run's header, arguments, options, modules, stacks). */
#ifndef HG_READER_PARSE_H
#define HG_READER_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../format/common.h"
#include "gzlines.h"
#include "leak_report.h"
#include "map.h"

struct hg_parse;

/* A cursor over the fields of one line. */
struct hg_fields {
	char *s;	/* the next field starts here */
	bool separated; /* a space was consumed before s */
};

typedef int hg_record_parser(struct hg_parse *p, struct hg_fields *f);

struct hg_parse {
	const char *path;
	struct hg_gzlines in;
	struct hg_leaks *r; /* the run: header, arguments, options, modules, stacks */
	char *err;
	size_t errlen;
	const struct hg_fmt_record *records; /* the format's, in file order */
	hg_record_parser *const *parsers;    /* one per record; [0] (the first line) unused */
	int nrecords;
	int (*magic)(struct hg_parse *p, char *line);
	int skip_unknown_from;	 /* unknown records are skipped from this phase on */
	int phase;		 /* the last record type seen, -1 before the first */
	struct hg_map stack_ids; /* stack id -> index into r->stacks */
	size_t cap_args, cap_options, cap_modules, cap_stacks, cap_frames;
};

/* Reads path through p (records, parsers, nrecords, magic, skip_unknown_from
 * set by the caller) into run: 0, or -1 with err set.  The caller frees run and its
 * own parts on failure. */
int hg_parse_file(struct hg_parse *p, const char *path, struct hg_leaks *run, char *err,
		  size_t errlen);

__attribute__((format(printf, 2, 3))) int hg_parse_fail(struct hg_parse *p, const char *fmt, ...);

/* A short, printable rendering of a field for an error message. */
const char *hg_parse_show(const char *field, char *buf, size_t size);

/* Grows *array to hold need elements, refusing more than limit. */
int hg_parse_grow(struct hg_parse *p, void **array, size_t *cap, size_t need, size_t elem,
		  size_t limit, const char *what);

/* The next field, NUL-terminated in place, or NULL (error set). */
char *hg_parse_field(struct hg_parse *p, struct hg_fields *f, const char *what);
/* The last field: everything after the separating space, possibly empty. */
char *hg_parse_rest(struct hg_parse *p, struct hg_fields *f, const char *what);
/* 0 when the line has no more fields. */
int hg_parse_done(struct hg_parse *p, const struct hg_fields *f, const char *record);

int hg_parse_decimal(struct hg_parse *p, const char *s, const char *what, uint64_t *out);
int hg_parse_hex(struct hg_parse *p, const char *s, const char *what, uint64_t *out);
/* count decimal fields, then the end of the line. */
int hg_parse_numbers(struct hg_parse *p, struct hg_fields *f, const char *record,
		     const char *const *what, uint64_t *out, int count);
/* The unescaped copy of a text field (malloc'd), or NULL (error set). */
char *hg_parse_text(struct hg_parse *p, char *s, const char *what);
/* A stack id field s of a record into the stack's index (id 0: HG_NO_STACK):
 * 0, or -1 (error set: what names the field, record the record). */
int hg_parse_stack_ref(struct hg_parse *p, const char *s, const char *record, const char *what,
		       uint32_t *index);

/* The records both formats share. */
hg_record_parser hg_parse_version, hg_parse_program, hg_parse_pid, hg_parse_ppid, hg_parse_time,
	hg_parse_level, hg_parse_status, hg_parse_arg, hg_parse_option, hg_parse_module,
	hg_parse_stack;

#endif
