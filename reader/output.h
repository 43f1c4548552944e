/* SPDX-License-Identifier: MIT */
/* What the reader shows of a report (the sites left after --show and the
 * suppressions, sorted) and the three ways it prints them: text, JSON and
 * flame-graph folded stacks.  Every string from a report or a binary is
 * printed escaped: a hostile file must not reach the terminal raw. */
#ifndef HG_READER_OUTPUT_H
#define HG_READER_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "leak_report.h"
#include "suppress.h"
#include "symbolize.h"

#define HG_SHOW(kind)	(1u << (kind))
#define HG_SHOW_DEFAULT (HG_SHOW(HG_LOST) | HG_SHOW(HG_INDIRECT))
#define HG_SHOW_ALL	(HG_SHOW(HG_LOST) | HG_SHOW(HG_INDIRECT) | HG_SHOW(HG_REACHABLE))

struct hg_view {
	const struct hg_leaks *r;
	const struct hg_symbolizer *sym;    /* NULL: module+offset only */
	const struct hg_suppressions *supp; /* NULL: none given */
	const struct hg_leak_site **sites;  /* shown, lost first, then by bytes */
	size_t nsites;
	struct hg_leak_amount shown[HG_KINDS]; /* not counting the sites the process suppressed */
	unsigned show;			       /* HG_SHOW() bits */
	bool gen_supp;			       /* --gen-suppressions */
};

/* Selects, symbolizes (when sym), suppresses and sorts: 0, or -1 out of memory. */
int hg_view_build(struct hg_view *view, const struct hg_leaks *report, unsigned show,
		  struct hg_suppressions *supp, struct hg_symbolizer *sym);
void hg_view_free(struct hg_view *view);

void hg_print_text(FILE *out, const struct hg_view *view);
void hg_print_json(FILE *out, const struct hg_view *view);
void hg_print_folded(FILE *out, const struct hg_view *view);

/* diff: the sites of new whose bytes grew over old, matched by symbolized
 * stack; the number of them, or -1 out of memory. */
long hg_print_diff(FILE *out, const struct hg_view *old, const struct hg_view *new, bool json);

/* Shared by the printers and diff. */
void hg_put_text(FILE *out, const char *s);		/* control bytes as \xHH */
/* "  LABEL     N bytes in M blocks", the amount lines of the text outputs:
 * labels padded to one column, with at least one space after. */
void hg_put_text_amount(FILE *out, const char *label, const struct hg_leak_amount *a);
void hg_put_json_string(FILE *out, const char *s);	/* quoted; NULL as null */
void hg_put_json_string_body(FILE *out, const char *s); /* the same without the quotes */
/* The same, and with in_script also < > & as \u escapes, so that the text
 * cannot end an HTML script element it is written into. */
void hg_put_json_escaped(FILE *out, const char *s, bool in_script);
void hg_put_json_frames(FILE *out, const struct hg_view *view, const struct hg_leak_site *site);
void hg_put_text_frames(FILE *out, const struct hg_view *view, const struct hg_leak_site *site);
const char *hg_plural(uint64_t n, const char *one, const char *many);

/* What --suppress suppressed, and each rule's share: the text's last lines. */
void hg_put_text_suppressed(FILE *out, const struct hg_suppressions *supp);

/* The run's program, arguments and pids: the first lines of a text
 * report ("TITLE: program"), and the members version .. status of JSON. */
void hg_put_text_run(FILE *out, const char *title, const struct hg_leaks *r);
void hg_put_json_run(FILE *out, const struct hg_leaks *r);

/* A stack by index (HG_NO_STACK: none), symbolized when sym has it. */
void hg_put_text_stack(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
		       uint32_t stack);
void hg_put_json_stack(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
		       uint32_t stack);

/* A heap error of a format 3 report: text (its three stacks) and JSON. */
void hg_put_text_error(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
		       const struct hg_leak_error *e);
void hg_put_json_error_stacks(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
			      const struct hg_leak_error *e);

/* --gen-suppressions: the pattern of a leak: line for a stack (the innermost
 * function that is not an allocator's, else its module's base name), or
 * NULL when nothing of it is known. */
const char *hg_supp_pattern_for(const struct hg_leaks *r, const struct hg_symbolizer *sym,
				uint32_t stack);
/* Whether a function is an allocation function or heapguard's own. */
bool hg_is_allocator_function(const char *function);

/* Text printed through hg_gen_supp_begin/end becomes a suppressions file:
 * every line but the leak: lines marked by HG_SUPP_MARK is made a comment. */
#define HG_SUPP_MARK '\001'
FILE *hg_gen_supp_begin(char **buf, size_t *size);
void hg_gen_supp_end(FILE *out, FILE *mem, char **bufp);
void hg_put_supp_line(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
		      uint32_t stack);
/* ,"suppression":"leak:PATTERN" (null when none can be made), the JSON
 * member --gen-suppressions adds to a site. */
void hg_put_json_suppression(FILE *out, const struct hg_leaks *r, const struct hg_symbolizer *sym,
			     uint32_t stack);

/* Text content or attribute value: XML-escaped, valid UTF-8, no control
 * characters (XML 1.0 forbids most of them); at most max bytes of s.  Also
 * HTML's. */
void hg_put_xml(FILE *out, const char *str, size_t max);

/* Length of the valid UTF-8 sequence at s (s[0] >= 0x80), or 0 if invalid. */
int hg_utf8_length(const unsigned char *s);

#endif
