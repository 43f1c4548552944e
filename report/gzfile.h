/* SPDX-License-Identifier: MIT */
/* Report files: a gzip stream (zlib, its memory mmap'd, never malloc'd)
 * written to a private temporary file in the target directory, then linked
 * to its final name without ever replacing an existing file. */
#ifndef HG_GZFILE_H
#define HG_GZFILE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct hg_gzfile;

/* Create ".<base's last component><suffix>.tmp.XXXXXX" beside it (mode 0600, O_EXCL|O_NOFOLLOW) and start
 * a gzip stream into it.  NULL with *err set (an errno) on failure. */
struct hg_gzfile *hg_gz_create(const char *base, const char *suffix, int *err);

/* Append text.  Errors are remembered and reported by hg_gz_commit. */
void hg_gz_write(struct hg_gzfile *gz, const char *s, size_t len);
void hg_gz_puts(struct hg_gzfile *gz, const char *s);
void hg_gz_printf(struct hg_gzfile *gz, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s escaped as the report formats want it (hg_fmt_escape). */
void hg_gz_escaped(struct hg_gzfile *gz, const char *s, size_t len);

/* Finish the stream and give the file its name: "<base><suffix>", or
 * "<base>.N<suffix>" for the first N = 1, 2, ... that does not exist; that
 * name goes to final.  0, or an errno: then the temporary file is removed
 * and final holds the name it would have had.  gz is freed either way. */
int hg_gz_commit(struct hg_gzfile *gz, char *final, size_t final_len);

/* Give the finished file tmp the name to without replacing anything:
 * renameat2(RENAME_NOREPLACE), or link() + unlink().  0, or an errno
 * (EEXIST: to exists). */
int hg_gz_place(const char *tmp, const char *to);

/* Give up: remove the temporary file, free gz. */
void hg_gz_abandon(struct hg_gzfile *gz);

/* The mapping kept from the last report for the next (none before the
 * first), for the leak scan to leave out. */
#define HG_GZ_RANGES 1
unsigned hg_gz_memory(uintptr_t lo[HG_GZ_RANGES], uintptr_t hi[HG_GZ_RANGES]);

#endif
