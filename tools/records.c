/* SPDX-License-Identifier: MIT */
/* Totals of a run's process records, read as heapguard-report(5) describes
 * them: a .proc file holds one or more, each a first line
 * "heapguard-process VERSION", "key value" lines (unknown keys skipped) and
 * an "end" line; one without its "end" line is damaged (its writer died
 * while writing, or it was cut), never counted as a process. */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../format/process.h"
#include "records.h"

struct hg_record {
	uint64_t errors;
	uint64_t lost_bytes, lost_blocks;
	uint64_t indirect_bytes;
};

/* "N" or "N M" after a key: the first number to *a, the second (if b) to *b.
 * False when a number is missing or malformed. */
static bool hg_record_numbers(const char *s, uint64_t *a, uint64_t *b)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*a = strtoull(s, &end, 10);
	if (errno != 0)
		return false;
	if (b == NULL)
		return *end == '\0';
	if (*end != ' ' || end[1] < '0' || end[1] > '9')
		return false;
	*b = strtoull(end + 1, &end, 10);
	return errno == 0 && *end == '\0';
}

/* The value after "key " when line starts with it, else NULL. */
static const char *hg_record_value(const char *line, const char *key)
{
	size_t n = strlen(key);

	return strncmp(line, key, n) == 0 && line[n] == ' ' ? line + n + 1 : NULL;
}

static void hg_record_count(struct hg_run_totals *t, const struct hg_record *rec)
{
	t->processes++;
	t->errors += rec->errors;
	t->error_processes += rec->errors > 0;
	t->lost_bytes += rec->lost_bytes;
	t->lost_blocks += rec->lost_blocks;
	t->lost_processes += rec->lost_bytes > 0 || rec->indirect_bytes > 0;
	t->clean += rec->errors == 0 && rec->lost_bytes == 0 && rec->indirect_bytes == 0;
}

/* Every record of a file (a run's journal holds many, each after an empty
 * line): a complete one counts, a damaged one (cut short, a bad line, junk
 * where a first line should be) is skipped up to the next first line. */
static void hg_records_parse(FILE *f, struct hg_run_totals *t)
{
	static const char magic[] = HG_PROCESS_MAGIC " ";
	enum { OUTSIDE, INSIDE, SKIPPING } state = OUTSIDE;
	struct hg_record rec;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	const char *v;
	uint64_t ignored;
	size_t lines = 0;

	while ((n = getline(&line, &cap, f)) >= 0) {
		bool ok = true;

		lines++;
		if (n == 0 || line[n - 1] != '\n') { /* a last line cut short */
			t->damaged += state != SKIPPING;
			state = SKIPPING;
			break;
		}
		line[n - 1] = '\0';
		if (strncmp(line, magic, sizeof(magic) - 1) == 0) {
			t->damaged += state == INSIDE; /* the one before has no end */
			memset(&rec, 0, sizeof(rec));
			ok = hg_record_numbers(line + sizeof(magic) - 1, &ignored, NULL);
			state = INSIDE;
		} else if (state != INSIDE) {
			ok = line[0] == '\0' || state == SKIPPING;
		} else if (strcmp(line, HG_PROCESS_END) == 0) {
			hg_record_count(t, &rec);
			state = OUTSIDE;
		} else if ((v = hg_record_value(line, HG_PROCESS_ERRORS)) != NULL) {
			ok = hg_record_numbers(v, &rec.errors, NULL);
		} else if ((v = hg_record_value(line, HG_PROCESS_LOST)) != NULL) {
			ok = hg_record_numbers(v, &rec.lost_bytes, &rec.lost_blocks);
		} else if ((v = hg_record_value(line, HG_PROCESS_INDIRECT)) != NULL) {
			ok = hg_record_numbers(v, &rec.indirect_bytes, &ignored);
		}
		if (!ok) {
			t->damaged++;
			state = SKIPPING;
		}
	}
	t->damaged += state == INSIDE || lines == 0;
	free(line);
}

static bool hg_is_record_name(const char *name)
{
	size_t n = strlen(name), s = sizeof(HG_PROCESS_SUFFIX) - 1;

	return name[0] != '.' && n > s && strcmp(name + n - s, HG_PROCESS_SUFFIX) == 0;
}

int hg_records_read(const char *dir, struct hg_run_totals *t)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	memset(t, 0, sizeof(*t));
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *path;
		FILE *f;

		if (!hg_is_record_name(e->d_name) || asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			continue;
		f = fopen(path, "re");
		free(path);
		if (f == NULL)
			continue; /* gone, or not ours to read: not a record of the run */
		hg_records_parse(f, t);
		fclose(f);
	}
	closedir(d);
	return 0;
}

static const char *hg_plural(uint64_t n, const char *one, const char *more)
{
	return n == 1 ? one : more;
}

/* Append to a NUL-terminated line of at most len - 1 bytes, truncating. */
__attribute__((format(printf, 3, 4))) static void hg_append(char *buf, size_t len, const char *fmt,
							    ...)
{
	size_t used = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

void hg_records_summary_line(const struct hg_run_totals *t, const char *dir, char *buf, size_t len)
{
	if (len == 0)
		return;
	buf[0] = '\0';
	if (t->processes == 0 && t->damaged == 0) {
		hg_append(buf, len,
			  "heapguard: 0 processes: an empty run, no process left a record (a "
			  "statically linked command, or processes that ended by _exit() or a "
			  "signal); run directory: %s",
			  dir);
		return;
	}
	hg_append(buf, len, "heapguard: %" PRIu64 " %s", t->processes,
		  hg_plural(t->processes, "process", "processes"));
	if (t->clean == t->processes && t->processes > 0)
		hg_append(buf, len, ", all clean");
	else
		hg_append(buf, len, " (%" PRIu64 " clean)", t->clean);
	if (t->errors > 0)
		hg_append(buf, len, ", %" PRIu64 " heap %s in %" PRIu64 " %s", t->errors,
			  hg_plural(t->errors, "error", "errors"), t->error_processes,
			  hg_plural(t->error_processes, "process", "processes"));
	if (t->lost_bytes > 0)
		hg_append(buf, len, ", lost %" PRIu64 " %s in %" PRIu64 " %s in %" PRIu64 " %s",
			  t->lost_bytes, hg_plural(t->lost_bytes, "byte", "bytes"), t->lost_blocks,
			  hg_plural(t->lost_blocks, "block", "blocks"), t->lost_processes,
			  hg_plural(t->lost_processes, "process", "processes"));
	if (t->damaged > 0)
		hg_append(buf, len, ", %" PRIu64 " damaged %s", t->damaged,
			  hg_plural(t->damaged, "record", "records"));
	hg_append(buf, len, "; read it all: heapguard-report %s", dir);
}
