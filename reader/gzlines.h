/* SPDX-License-Identifier: MIT */
/* Lines out of a gzip file with bounded memory and bounded work: a line is at
 * most HG_FMT_LINE_MAX bytes, the whole stream at most HG_LEAKS_INPUT_MAX
 * uncompressed bytes, and anything that is not gzip is refused rather than
 * read as plain text (zlib's gzread would accept it). */
#ifndef HG_READER_GZLINES_H
#define HG_READER_GZLINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

struct hg_gzlines {
	gzFile gz;
	char *buf; /* unread bytes live in [start, end) */
	size_t start, end, cap;
	uint64_t total;	    /* uncompressed bytes read so far */
	unsigned long line; /* number of the last line returned */
	bool eof;
};

/* 0; -1 with why in err (strerror-like, no path) when the file cannot be
 * read; -2 when it is not gzip. */
int hg_gzlines_open(struct hg_gzlines *in, const char *path, char *err, size_t errlen);

/* 1 and the next line without its newline, NUL-terminated in place; 0 at the
 * clean end of the stream; -1 with why in err (the line is in->line + 1). */
int hg_gzlines_next(struct hg_gzlines *in, char **line, size_t *len, char *err, size_t errlen);

void hg_gzlines_close(struct hg_gzlines *in);

#endif
