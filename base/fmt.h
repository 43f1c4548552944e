/* SPDX-License-Identifier: MIT */
/* Text formatting that never allocates, takes no lock and touches no stdio,
 * for the error path and anything that runs inside malloc. */
#ifndef HG_FMT_H
#define HG_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* printf-like: %s %c %d %i %u %x %p %% with l/z/ll length, width, '-' and '0'.
 * Always NUL-terminates; returns the length written (truncated to len - 1). */
size_t hg_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t hg_vfmt(char *buf, size_t len, const char *fmt, va_list ap);

/* Format and write to fd in one write(2) call (up to 1 KiB of text). */
void hg_fmt_fd(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
