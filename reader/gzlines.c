/* SPDX-License-Identifier: MIT */
/* The bounded gzip line reader (see gzlines.h).  zlib checks the gzip header,
 * the CRC and the length; this file turns its errors into plain words and
 * adds the limits a hostile file could otherwise exhaust. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gzlines.h"
#include "leak_report.h"

#define HG_GZ_CHUNK (128u << 10)

int hg_gzlines_open(struct hg_gzlines *in, const char *path, char *err, size_t errlen)
{
	int fd;

	memset(in, 0, sizeof(*in));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	/* Room for a longest line, its newline, the NUL, and one read. */
	in->cap = HG_FMT_LINE_MAX + 2 + HG_GZ_CHUNK;
	in->buf = malloc(in->cap);
	in->gz = gzdopen(fd, "rb");
	if (!in->buf || !in->gz) {
		if (in->gz)
			gzclose(in->gz);
		else
			close(fd);
		free(in->buf);
		in->buf = NULL;
		in->gz = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	gzbuffer(in->gz, HG_GZ_CHUNK);
	/* gzread copies a file without the gzip magic through unchanged. */
	if (gzdirect(in->gz)) {
		int errnum;
		const char *msg = gzerror(in->gz, &errnum);

		if (errnum == Z_ERRNO)
			snprintf(err, errlen, "%s", strerror(errno));
		else if (errnum != Z_OK)
			snprintf(err, errlen, "%s", msg);
		else
			snprintf(err, errlen, "not a gzip file (a report is gzip-compressed)");
		hg_gzlines_close(in);
		return errnum == Z_ERRNO ? -1 : -2;
	}
	return 0;
}

static void hg_gzlines_error(struct hg_gzlines *in, char *err, size_t errlen)
{
	int errnum;
	const char *msg = gzerror(in->gz, &errnum);

	switch (errnum) {
	case Z_ERRNO:
		snprintf(err, errlen, "read error: %s", strerror(errno));
		break;
	case Z_BUF_ERROR:
		snprintf(err, errlen, "truncated gzip stream (unexpected end of file)");
		break;
	case Z_MEM_ERROR:
		snprintf(err, errlen, "out of memory");
		break;
	default:
		snprintf(err, errlen, "corrupt gzip data: %s", msg ? msg : "unknown error");
		break;
	}
}

/* Reads more bytes after the unread ones: 1 if some came, 0 at the end, -1. */
static int hg_gzlines_fill(struct hg_gzlines *in, char *err, size_t errlen)
{
	size_t room;
	int got, errnum;

	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
	}
	room = in->cap - 1 - in->end;
	if (room > HG_GZ_CHUNK)
		room = HG_GZ_CHUNK;
	got = gzread(in->gz, in->buf + in->end, (unsigned)room);
	if (got < 0) {
		hg_gzlines_error(in, err, errlen);
		return -1;
	}
	/* A truncated stream may end a read short without failing it. */
	gzerror(in->gz, &errnum);
	if (errnum != Z_OK && errnum != Z_STREAM_END) {
		hg_gzlines_error(in, err, errlen);
		return -1;
	}
	in->total += (unsigned)got;
	if (in->total > HG_LEAKS_INPUT_MAX) {
		snprintf(err, errlen,
			 "more than %llu bytes uncompressed: refusing to read on (gzip bomb?)",
			 (unsigned long long)HG_LEAKS_INPUT_MAX);
		return -1;
	}
	in->end += (unsigned)got;
	return got > 0;
}

int hg_gzlines_next(struct hg_gzlines *in, char **line, size_t *len, char *err, size_t errlen)
{
	for (;;) {
		char *start = in->buf + in->start;
		size_t have = in->end - in->start;
		char *nl = memchr(start, '\n', have);
		int r;

		if (nl) {
			size_t n = (size_t)(nl - start);

			if (n > HG_FMT_LINE_MAX)
				break;
			if (memchr(start, '\0', n)) {
				snprintf(err, errlen, "NUL byte in the line (not a text report)");
				return -1;
			}
			*nl = '\0';
			*line = start;
			*len = n;
			in->start += n + 1;
			in->line++;
			return 1;
		}
		if (have > HG_FMT_LINE_MAX)
			break;
		if (in->eof) {
			if (have == 0)
				return 0;
			snprintf(err, errlen, "last line has no newline (file truncated?)");
			return -1;
		}
		r = hg_gzlines_fill(in, err, errlen);
		if (r < 0)
			return -1;
		if (r == 0)
			in->eof = true;
	}
	snprintf(err, errlen, "line longer than %u bytes", HG_FMT_LINE_MAX);
	return -1;
}

void hg_gzlines_close(struct hg_gzlines *in)
{
	if (in->gz)
		gzclose(in->gz);
	free(in->buf);
	memset(in, 0, sizeof(*in));
}
