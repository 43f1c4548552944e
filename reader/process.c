/* SPDX-License-Identifier: MIT */
/* The process record parser (process_record.h): "key value" lines after
 * the first line, read with the leak report's field cursor and checks
 * (parse.h), so numbers and escapes are refused as they are there.  A key
 * this reader does not know is skipped: the library may add some. */
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

static int hg_proc_read(struct hg_parse *p, FILE *in, struct hg_proc *proc)
{
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t len;
	bool ended = false;
	int rc = 0;

	while (rc == 0 && (len = getline(&line, &cap, in)) >= 0) {
		p->in.line++;
		total += (size_t)len;
		if (total > HG_PROCESS_INPUT_MAX || len > HG_FMT_LINE_MAX)
			rc = hg_parse_fail(p, "more than a process record holds");
		else if (len == 0 || line[len - 1] != '\n')
			rc = hg_parse_fail(p, "line without its newline (file truncated?)");
		else if (memchr(line, '\0', (size_t)len))
			rc = hg_parse_fail(p, "NUL byte in a line");
		else if (ended)
			rc = hg_parse_fail(p, "data after the '%s' line", HG_PROCESS_END);
		else if ((line[len - 1] = '\0', p->in.line == 1))
			rc = hg_proc_magic(p, line);
		else if (strcmp(line, HG_PROCESS_END) == 0)
			ended = true;
		else
			rc = hg_proc_line(p, line, proc);
	}
	free(line);
	if (rc < 0)
		return -1;
	if (ferror(in))
		return hg_parse_fail(p, "read error: %s", strerror(errno));
	p->in.line++;
	if (p->in.line == 1)
		return hg_parse_fail(p, "empty process record");
	if (!ended)
		return hg_parse_fail(p, "no '%s' line (file truncated?)", HG_PROCESS_END);
	if (!proc->program || !proc->pid)
		return hg_parse_fail(p, "no '%s' or '%s' line", HG_PROCESS_PROGRAM, HG_PROCESS_PID);
	return 0;
}

int hg_proc_load(const char *path, struct hg_proc *proc, char *err, size_t errlen)
{
	struct hg_parse p;
	FILE *in;
	int rc;

	memset(proc, 0, sizeof(*proc));
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.err = err;
	p.errlen = errlen;
	struct stat st;
	int fd;

	/* O_NONBLOCK: a FIFO named like a record must not hang the reader. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !(in = fdopen(fd, "r"))) {
		snprintf(err, errlen, "%s: %s", path,
			 fd >= 0 && !S_ISREG(st.st_mode) ? "not a regular file" : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	proc->path = strdup(path);
	rc = proc->path ? hg_proc_read(&p, in, proc) : hg_parse_fail(&p, "out of memory");
	fclose(in);
	if (rc < 0)
		hg_proc_free(proc);
	return rc;
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
