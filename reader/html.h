/* SPDX-License-Identifier: MIT */
/* --html: one self-contained HTML file (html.c) from one report, several,
 * or a run directory: the verdict, heap errors with their stacks, the
 * timeline, flame graphs of lost bytes and of live bytes at the peak, the
 * pinning sites and the page map.  Its style and script (html_script.c)
 * are inline: the file opens offline. */
#ifndef HG_READER_HTML_H
#define HG_READER_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "symbolize.h"

extern const char hg_html_style[];
extern const char hg_html_script[];

/* Reads the operands and writes the page to path ("-": standard output).
 * 0 nothing lost, 1 lost bytes or heap errors in what was read, 2 an error
 * (one "heapguard-report: ..." line said which). */
int hg_html_write(const char *path, const char *const *operands, size_t n,
		  enum hg_sym_backend backend, bool demangle);

#endif
