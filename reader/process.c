/* SPDX-License-Identifier: MIT */
/* The process record parser (process_record.h): a file's records one after
 * another, each "key value" lines after its first line, read with the leak
 * report's field cursor and checks (parse.h), so numbers and escapes are
 * refused as they are there.  A key this reader does not know is skipped:
 * the library may add some. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../format/frag.h"
#include "../format/process.h"
#include "parse.h"
#include "process_record.h"

static int hg_proc_amount(struct hg_parse *p, struct hg_fields *f, const char *key,
			  struct hg_leak_amount *a)
{
	const char *what[2] = { "bytes", "blocks" };
	uint64_t v[2];

	if (hg_parse_numbers(p, f, key, what, v, 2) < 0)
		return -1;
	a->bytes = v[0];
	a->blocks = v[1];
	return 0;
}

/* status and exitcode: a number or "-". */
static int hg_proc_status(struct hg_parse *p, struct hg_fields *f, const char *key, bool *has,
			  uint64_t *value)
{
	char *s = hg_parse_field(p, f, key);

	if (!s || hg_parse_done(p, f, key) < 0)
		return -1;
	*has = strcmp(s, HG_FMT_STATUS_UNKNOWN) != 0;
	return *has ? hg_parse_decimal(p, s, key, value) : 0;
}

static int hg_proc_number(struct hg_parse *p, struct hg_fields *f, const char *key, uint64_t *out)
{
	char *s = hg_parse_field(p, f, key);

	if (!s || hg_parse_decimal(p, s, key, out) < 0)
		return -1;
	return hg_parse_done(p, f, key);
}

static int hg_proc_arg(struct hg_parse *p, struct hg_fields *f, struct hg_proc *proc)
{
	uint64_t index;
	char *s = hg_parse_field(p, f, "argument index"), **grown;

	if (!s || hg_parse_decimal(p, s, "argument index", &index) < 0 ||
	    !(s = hg_parse_rest(p, f, "argument text")))
		return -1;
	if (index != proc->nargs)
		return hg_parse_fail(p, "argument %llu where argument %zu was expected",
				     (unsigned long long)index, proc->nargs);
	if (proc->nargs == HG_PROCESS_ARGS_MAX)
		return 0;
	grown = realloc(proc->args, (proc->nargs + 1) * sizeof(*grown));
	if (!grown)
		return hg_parse_fail(p, "out of memory");
	proc->args = grown;
	if (!(proc->args[proc->nargs] = hg_parse_text(p, s, "an argument")))
		return -1;
	proc->nargs++;
	return 0;
}

static int hg_proc_report(struct hg_parse *p, struct hg_fields *f, struct hg_proc *proc)
{
	char *kind = hg_parse_field(p, f, "report kind"), *name, **slot;

	if (!kind || !(name = hg_parse_rest(p, f, "report file name")))
		return -1;
	if (strcmp(kind, HG_LEAKS_NAME) == 0)
		slot = &proc->report_leaks;
	else if (strcmp(kind, HG_FRAG_NAME) == 0)
		slot = &proc->report_frag;
	else
		return 0; /* a kind of report this reader does not know */
	if (!*name || strchr(name, '/'))
		return hg_parse_fail(p, "report file name is not a name in the run directory");
	free(*slot);
	*slot = hg_parse_text(p, name, "the report file name");
	return *slot ? 0 : -1;
}

static int hg_proc_line(struct hg_parse *p, char *line, struct hg_proc *proc)
{
	struct hg_fields f = { line, false };
	char *key = hg_parse_field(p, &f, "key"), *s;

	if (!key)
		return -1;
	if (strcmp(key, HG_FMT_VERSION) == 0) {
		if (!(s = hg_parse_rest(p, &f, "version")) ||
		    !(s = hg_parse_text(p, s, "the version")))
			return -1;
		free(proc->version);
		proc->version = s;
	} else if (strcmp(key, HG_PROCESS_PROGRAM) == 0) {
		if (!(s = hg_parse_rest(p, &f, "program path")) ||
		    !(s = hg_parse_text(p, s, "the program path")))
			return -1;
		free(proc->program);
		proc->program = s;
	} else if (strcmp(key, HG_PROCESS_ARG) == 0) {
		return hg_proc_arg(p, &f, proc);
	} else if (strcmp(key, HG_PROCESS_PID) == 0) {
		if (hg_proc_number(p, &f, key, &proc->pid) < 0)
			return -1;
		if (proc->pid == 0 || proc->pid > INT32_MAX)
			return hg_parse_fail(p, "pid out of range");
	} else if (strcmp(key, HG_PROCESS_PPID) == 0) {
		return hg_proc_number(p, &f, key, &proc->ppid);
	} else if (strcmp(key, HG_PROCESS_FORK) == 0) {
		return hg_proc_number(p, &f, key, &proc->fork);
	} else if (strcmp(key, HG_PROCESS_TIME) == 0) {
		if (!(s = hg_parse_field(p, &f, "time")) ||
		    hg_parse_decimal(p, s, "time", &proc->time) < 0)
			return -1;
	} else if (strcmp(key, HG_PROCESS_LEVEL) == 0) {
		if (!(s = hg_parse_field(p, &f, "level")) || hg_parse_done(p, &f, key) < 0)
			return -1;
		if (strcmp(s, hg_fmt_level_name(HG_FMT_LEVEL_FAST)) != 0 &&
		    strcmp(s, hg_fmt_level_name(HG_FMT_LEVEL_FULL)) != 0)
			return hg_parse_fail(p, "level is neither 'fast' nor 'full'");
		proc->fast = strcmp(s, hg_fmt_level_name(HG_FMT_LEVEL_FAST)) == 0;
	} else if (strcmp(key, HG_PROCESS_STATUS) == 0) {
		return hg_proc_status(p, &f, key, &proc->has_status, &proc->status);
	} else if (strcmp(key, HG_PROCESS_EXITCODE) == 0) {
		return hg_proc_status(p, &f, key, &proc->has_exitcode, &proc->exitcode);
	} else if (strcmp(key, HG_PROCESS_ERRORS) == 0) {
		return hg_proc_number(p, &f, key, &proc->errors);
	} else if (strcmp(key, HG_PROCESS_LOST) == 0) {
		return hg_proc_amount(p, &f, key, &proc->lost);
	} else if (strcmp(key, HG_PROCESS_INDIRECT) == 0) {
		return hg_proc_amount(p, &f, key, &proc->indirect);
	} else if (strcmp(key, HG_PROCESS_SUPPRESSED) == 0) {
		return hg_proc_amount(p, &f, key, &proc->suppressed);
	} else if (strcmp(key, HG_PROCESS_SCANNED) == 0) {
		uint64_t v;

		if (hg_proc_number(p, &f, key, &v) < 0)
			return -1;
		proc->scanned = v != 0;
	} else if (strcmp(key, HG_PROCESS_REPORT) == 0) {
		return hg_proc_report(p, &f, proc);
	}
	return 0; /* a key this reader does not know */
}

static int hg_proc_magic(struct hg_parse *p, const char *line)
{
	static const char prefix[] = HG_PROCESS_MAGIC " ";
	char version[16];

	snprintf(version, sizeof(version), "%d", HG_PROCESS_FORMAT_VERSION);
	if (strncmp(line, prefix, sizeof(prefix) - 1) != 0)
		return hg_parse_fail(
			p, "not a heapguard process record (the first line is not '%s %d')",
			HG_PROCESS_MAGIC, HG_PROCESS_FORMAT_VERSION);
	if (strcmp(line + sizeof(prefix) - 1, version) != 0)
		return hg_parse_fail(p, "unsupported process record version (this reader reads %d)",
				     HG_PROCESS_FORMAT_VERSION);
	return 0;
}

/* The file's records, one after another (a run's journal holds many, each
 * after an empty line), as a state: outside a record (empty lines only),
 * inside one, or skipping a damaged one up to the next first line. */
enum hg_proc_state { HG_PROC_OUTSIDE, HG_PROC_INSIDE, HG_PROC_SKIPPING };

struct hg_proc_reader {
	struct hg_parse p;
	struct hg_proc_list *list;
	hg_proc_warn_fn *warn;
	void *ctx;
	struct hg_proc cur;  /* the record being read */
	size_t record_bytes; /* of cur so far */
};

/* The record being read is damaged (its reason in p.err): said, dropped. */
static void hg_proc_damaged(struct hg_proc_reader *r)
{
	r->warn(r->ctx, r->p.err);
	hg_proc_free(&r->cur);
}

/* The record being read ended with its end line: kept, or said damaged. */
static int hg_proc_ended(struct hg_proc_reader *r)
{
	struct hg_proc_list *l = r->list;

	if (!r->cur.program || !r->cur.pid) {
		hg_parse_fail(&r->p, "no '%s' or '%s' line", HG_PROCESS_PROGRAM, HG_PROCESS_PID);
		hg_proc_damaged(r);
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct hg_proc *grown = realloc(l->procs, cap * sizeof(*grown));

		if (!grown)
			return -1;
		l->procs = grown;
		l->cap = cap;
	}
	l->procs[l->n++] = r->cur;
	memset(&r->cur, 0, sizeof(r->cur));
	return 0;
}

/* A first line: a new record starts (or a damaged one is said). */
static enum hg_proc_state hg_proc_begin(struct hg_proc_reader *r, const char *line)
{
	if (hg_proc_magic(&r->p, line) < 0) {
		r->warn(r->ctx, r->p.err);
		return HG_PROC_SKIPPING;
	}
	memset(&r->cur, 0, sizeof(r->cur));
	r->record_bytes = 0;
	if (!(r->cur.path = strdup(r->p.path))) {
		hg_parse_fail(&r->p, "out of memory");
		r->warn(r->ctx, r->p.err);
		return HG_PROC_SKIPPING;
	}
	return HG_PROC_INSIDE;
}

static bool hg_proc_is_first_line(const char *line)
{
	static const char prefix[] = HG_PROCESS_MAGIC " ";

	return strncmp(line, prefix, sizeof(prefix) - 1) == 0;
}

static int hg_proc_read(struct hg_proc_reader *r, FILE *in)
{
	struct hg_parse *p = &r->p;
	enum hg_proc_state state = HG_PROC_OUTSIDE;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	while (rc == 0 && (len = getline(&line, &cap, in)) >= 0) {
		bool cut = len == 0 || line[len - 1] != '\n';

		p->in.line++;
		if (!cut)
			line[len - 1] = '\0';
		if (state == HG_PROC_INSIDE) {
			r->record_bytes += (size_t)len;
			int bad = 0;

			if (cut)
				bad = hg_parse_fail(p, "line without its newline (file truncated?)");
			else if (r->record_bytes > HG_PROCESS_INPUT_MAX || len > HG_FMT_LINE_MAX)
				bad = hg_parse_fail(p, "more than a process record holds");
			else if (memchr(line, '\0', (size_t)len - 1))
				bad = hg_parse_fail(p, "NUL byte in a line");
			else if (hg_proc_is_first_line(line))
				bad = hg_parse_fail(p, "a record without its '%s' line before this one",
						    HG_PROCESS_END);
			else if (strcmp(line, HG_PROCESS_END) == 0) {
				state = HG_PROC_OUTSIDE;
				rc = hg_proc_ended(r);
				continue;
			} else
				bad = hg_proc_line(p, line, &r->cur);
			if (bad == 0)
				continue;
			hg_proc_damaged(r);
			state = HG_PROC_SKIPPING;
			/* a first line that cut the record short starts the next */
			if (cut || !hg_proc_is_first_line(line))
				continue;
		}
		if (cut) { /* the file's last line, without its newline */
			if (state == HG_PROC_OUTSIDE) {
				hg_parse_fail(p, "line without its newline (file truncated?)");
				r->warn(r->ctx, p->err);
			}
			continue;
		}
		if (len == 1)
			continue; /* an empty line: between records */
		if (hg_proc_is_first_line(line)) {
			state = hg_proc_begin(r, line);
		} else if (state == HG_PROC_OUTSIDE) {
			if (p->in.line == 1)
				hg_proc_magic(p, line); /* says what a record's first line is */
			else
				hg_parse_fail(p, "neither an empty line nor a record's first line "
						 "('%s %d') after a record", HG_PROCESS_MAGIC,
					      HG_PROCESS_FORMAT_VERSION);
			r->warn(r->ctx, p->err);
			state = HG_PROC_SKIPPING;
		}
	}
	free(line);
	if (rc < 0) {
		hg_proc_free(&r->cur);
		return hg_parse_fail(p, "out of memory");
	}
	if (p->in.line == 0 && !ferror(in))
		return hg_parse_fail(p, "empty process record");
	if (state == HG_PROC_INSIDE) {
		p->in.line++;
		hg_parse_fail(p, "no '%s' line (file truncated?)", HG_PROCESS_END);
		hg_proc_damaged(r);
	}
	if (ferror(in))
		return hg_parse_fail(p, "read error: %s", strerror(errno));
	return 0;
}

int hg_proc_load_all(const char *path, struct hg_proc_list *list, hg_proc_warn_fn *warn,
		     void *ctx, char *err, size_t errlen)
{
	struct hg_proc_reader r;
	struct stat st;
	FILE *in;
	int fd, rc;

	memset(&r, 0, sizeof(r));
	r.p.path = path;
	r.p.err = err;
	r.p.errlen = errlen;
	r.list = list;
	r.warn = warn;
	r.ctx = ctx;
	/* O_NONBLOCK: a FIFO named like a record must not hang the reader. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(in = fdopen(fd, "r"))) {
		snprintf(err, errlen, "%s: %s", path,
			 fd >= 0 && !S_ISREG(st.st_mode) ? "not a regular file" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rc = hg_proc_read(&r, in);
	fclose(in);
	return rc;
}

void hg_proc_list_free(struct hg_proc_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		hg_proc_free(&list->procs[i]);
	free(list->procs);
	memset(list, 0, sizeof(*list));
}

void hg_proc_free(struct hg_proc *proc)
{
	size_t i;

	free(proc->path);
	free(proc->version);
	free(proc->program);
	for (i = 0; i < proc->nargs; i++)
		free(proc->args[i]);
	free(proc->args);
	free(proc->report_leaks);
	free(proc->report_frag);
	memset(proc, 0, sizeof(*proc));
}
