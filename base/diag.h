/* SPDX-License-Identifier: MIT */
/* Reporting heap errors: one function, one line format, one policy (check=).
 * It allocates nothing and takes no arena lock, so it works on a heap that
 * is already corrupt. */
#ifndef HG_DIAG_H
#define HG_DIAG_H

#include <stdbool.h>
#include <stddef.h>

struct hg_chunk;

/* Stable error kinds; their names are listed in heapguard(7). */
enum hg_error_kind {
	HG_ERR_DOUBLE_FREE,
	HG_ERR_INVALID_FREE,
	HG_ERR_HEAP_OVERFLOW,
	HG_ERR_WRITE_AFTER_FREE,
	HG_ERR_HEADER_CORRUPTION,
	HG_ERR_FREELIST_CORRUPTION,
	HG_ERR_TOP_CORRUPTION,
	HG_ERR_MMAP_CORRUPTION,
	HG_ERR_KIND_COUNT
};

const char *hg_error_kind_name(enum hg_error_kind kind);

/* Report an error about addr (the program's pointer, or a chunk's user
 * address).  chunk, when not NULL, is a header that may be read to show the
 * chunk's bounds.  op names the call ("free", "malloc", ...).  detail is one
 * line of specifics (printf format), glibc the message glibc 2.36 prints for
 * the same check, or NULL.  Returns only when check= says to continue, and
 * then reports each (kind, address) once. */
void hg_report(enum hg_error_kind kind, const void *addr, const struct hg_chunk *chunk,
	       const char *op, const char *glibc, const char *detail, ...)
	__attribute__((cold, noinline, format(printf, 6, 7)));

/* A forked child: the reporter's own lock may have been held by a thread
 * that does not exist there. */
void hg_diag_fork_child(void);

/* How many errors were reported (for heapguard_check_heap and tests). */
extern unsigned long hg_errors_reported;

#endif
