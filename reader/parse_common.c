/* SPDX-License-Identifier: MIT */
/* The parsing both report formats share (see parse.h): one pass over the
 * lines, each record checked as it comes (order, field count, number ranges,
 * references to what came before), so that every later stage can trust what
 * was read.  The first problem stops the parse with one message. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int hg_parse_fail(struct hg_parse *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%lu: ", p->path, p->in.line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* A short, printable rendering of a field for an error message: hostile
 * input must not put terminal escapes or 64 KiB into it. */
const char *hg_parse_show(const char *field, char *buf, size_t size)
{
	size_t i, n = 0;

	for (i = 0; field[i] && n + 5 < size; i++) {
		unsigned char c = (unsigned char)field[i];

		if (i >= 40) {
			n += (size_t)snprintf(buf + n, size - n, "...");
			break;
		}
		if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return buf;
}

int hg_parse_grow(struct hg_parse *p, void **array, size_t *cap, size_t need, size_t elem,
		  size_t limit, const char *what)
{
	size_t ncap;
	void *grown;

	if (need <= *cap)
		return 0;
	if (need > limit)
		return hg_parse_fail(p, "more than %zu %s: refusing to hold them", limit, what);
	ncap = *cap ? *cap * 2 : 16;
	if (ncap < need)
		ncap = need;
	if (ncap > limit)
		ncap = limit;
	grown = realloc(*array, ncap * elem);
	if (!grown)
		return hg_parse_fail(p, "out of memory holding %zu %s", need, what);
	*array = grown;
	*cap = ncap;
	return 0;
}

/* The next field, NUL-terminated in place, or NULL (error set). */
char *hg_parse_field(struct hg_parse *p, struct hg_fields *f, const char *what)
{
	char *start = f->s, *sp;

	if (!*start) {
		hg_parse_fail(p, "missing %s", what);
		return NULL;
	}
	sp = strchr(start, ' ');
	if (sp == start) {
		hg_parse_fail(p, "empty %s (fields are separated by one space)", what);
		return NULL;
	}
	if (sp) {
		*sp = '\0';
		f->s = sp + 1;
		f->separated = true;
	} else {
		f->s = start + strlen(start);
		f->separated = false;
	}
	return start;
}

/* The last field: everything after the separating space, possibly empty. */
char *hg_parse_rest(struct hg_parse *p, struct hg_fields *f, const char *what)
{
	if (!f->separated) {
		hg_parse_fail(p, "missing %s", what);
		return NULL;
	}
	f->separated = false;
	return f->s;
}

int hg_parse_done(struct hg_parse *p, const struct hg_fields *f, const char *record)
{
	char show[64];

	if (f->separated && !*f->s)
		return hg_parse_fail(p, "trailing space after the '%s' record", record);
	if (*f->s)
		return hg_parse_fail(p, "unexpected field '%s' in the '%s' record",
				     hg_parse_show(f->s, show, sizeof(show)), record);
	return 0;
}

int hg_parse_decimal(struct hg_parse *p, const char *s, const char *what, uint64_t *out)
{
	uint64_t v = 0;
	char show[64];
	const char *c;

	if (!*s)
		return hg_parse_fail(p, "empty %s", what);
	for (c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return hg_parse_fail(p, "%s '%s' is not an unsigned decimal number", what,
					     hg_parse_show(s, show, sizeof(show)));
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*c - '0'), &v))
			return hg_parse_fail(p, "%s '%s' does not fit in 64 bits", what,
					     hg_parse_show(s, show, sizeof(show)));
	}
	*out = v;
	return 0;
}

static int hg_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hg_parse_hex(struct hg_parse *p, const char *s, const char *what, uint64_t *out)
{
	uint64_t v = 0;
	char show[64];
	const char *c;

	if (s[0] != '0' || s[1] != 'x' || !s[2])
		return hg_parse_fail(p, "%s '%s' is not a 0x hex number", what,
				     hg_parse_show(s, show, sizeof(show)));
	for (c = s + 2; *c; c++) {
		int d = hg_hex_digit(*c);

		if (d < 0)
			return hg_parse_fail(p, "%s '%s' is not a 0x hex number", what,
					     hg_parse_show(s, show, sizeof(show)));
		if (v >> 60)
			return hg_parse_fail(p, "%s '%s' does not fit in 64 bits", what,
					     hg_parse_show(s, show, sizeof(show)));
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* Undoes the format's escaping in place; a raw control byte or an escaped
 * NUL cannot come from the writer, so they mark a corrupt file. */
static int hg_unescape(struct hg_parse *p, char *s, const char *what)
{
	char *out = s;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int hi, lo;

		if (c < 0x20 || c == 0x7f)
			return hg_parse_fail(
				p, "raw control byte 0x%02x in %s (the writer escapes them)", c,
				what);
		if (c != '\\') {
			*out++ = (char)c;
			continue;
		}
		switch (*++s) {
		case 'x':
			hi = s[1] ? hg_hex_digit(s[1]) : -1;
			lo = hi >= 0 && s[2] ? hg_hex_digit(s[2]) : -1;
			if (lo < 0)
				return hg_parse_fail(p, "bad \\x escape in %s", what);
			if (hi == 0 && lo == 0)
				return hg_parse_fail(p, "escaped NUL byte in %s", what);
			*out++ = (char)(hi << 4 | lo);
			s += 2;
			break;
		case '\0':
			return hg_parse_fail(p, "backslash at the end of %s", what);
		default:
			if (hg_fmt_unescape(*s) < 0)
				return hg_parse_fail(p, "unknown escape '\\%c' in %s",
						     *s >= 0x20 && *s < 0x7f ? *s : '?', what);
			*out++ = (char)hg_fmt_unescape(*s);
		}
	}
	*out = '\0';
	return 0;
}

char *hg_parse_text(struct hg_parse *p, char *s, const char *what)
{
	char *copy;

	if (hg_unescape(p, s, what) < 0)
		return NULL;
	copy = strdup(s);
	if (!copy)
		hg_parse_fail(p, "out of memory");
	return copy;
}

static int hg_parse_one_number(struct hg_parse *p, struct hg_fields *f, const char *what,
			       uint64_t *out)
{
	char *s = hg_parse_field(p, f, what);

	if (!s || hg_parse_decimal(p, s, what, out) < 0)
		return -1;
	return hg_parse_done(p, f, what);
}

int hg_parse_time(struct hg_parse *p, struct hg_fields *f)
{
	char *secs = hg_parse_field(p, f, "time seconds");
	char *utc, *c;

	if (!secs || hg_parse_decimal(p, secs, "time", &p->r->time) < 0)
		return -1;
	utc = hg_parse_field(p, f, "time in UTC");
	if (!utc || hg_parse_done(p, f, HG_FMT_TIME) < 0)
		return -1;
	for (c = utc; *c; c++)
		if (!strchr("0123456789-:.TZ", *c) || c - utc > 40)
			return hg_parse_fail(p, "time in UTC is not an ISO 8601 date");
	p->r->time_utc = strdup(utc);
	return p->r->time_utc ? 0 : hg_parse_fail(p, "out of memory");
}

int hg_parse_version(struct hg_parse *p, struct hg_fields *f)
{
	char *s = hg_parse_field(p, f, "version");

	if (!s || hg_parse_done(p, f, HG_FMT_VERSION) < 0 ||
	    !(s = hg_parse_text(p, s, "the version")))
		return -1;
	p->r->version = s;
	return 0;
}

int hg_parse_program(struct hg_parse *p, struct hg_fields *f)
{
	char *s = hg_parse_rest(p, f, "program path");

	if (!s || !(p->r->program = hg_parse_text(p, s, "the program path")))
		return -1;
	return 0;
}

int hg_parse_pid(struct hg_parse *p, struct hg_fields *f)
{
	if (hg_parse_one_number(p, f, "pid", &p->r->pid) < 0)
		return -1;
	if (p->r->pid == 0 || p->r->pid > INT32_MAX)
		return hg_parse_fail(p, "pid %llu is out of range", (unsigned long long)p->r->pid);
	return 0;
}

int hg_parse_ppid(struct hg_parse *p, struct hg_fields *f)
{
	if (hg_parse_one_number(p, f, "ppid", &p->r->ppid) < 0)
		return -1;
	if (p->r->ppid > INT32_MAX)
		return hg_parse_fail(p, "ppid %llu is out of range",
				     (unsigned long long)p->r->ppid);
	return 0;
}

int hg_parse_level(struct hg_parse *p, struct hg_fields *f)
{
	char *s = hg_parse_field(p, f, "level");

	if (!s || hg_parse_done(p, f, HG_FMT_LEVEL) < 0)
		return -1;
	if (strcmp(s, hg_fmt_level_name(HG_FMT_LEVEL_FAST)) != 0 &&
	    strcmp(s, hg_fmt_level_name(HG_FMT_LEVEL_FULL)) != 0)
		return hg_parse_fail(p, "level is neither '%s' nor '%s'",
				     hg_fmt_level_name(HG_FMT_LEVEL_FAST),
				     hg_fmt_level_name(HG_FMT_LEVEL_FULL));
	p->r->fast = strcmp(s, hg_fmt_level_name(HG_FMT_LEVEL_FAST)) == 0;
	return 0;
}

int hg_parse_status(struct hg_parse *p, struct hg_fields *f)
{
	char *s = hg_parse_field(p, f, "status");

	if (!s || hg_parse_done(p, f, HG_FMT_STATUS) < 0)
		return -1;
	if (strcmp(s, HG_FMT_STATUS_UNKNOWN) == 0)
		return 0;
	p->r->has_status = true;
	return hg_parse_decimal(p, s, "status", &p->r->status);
}

int hg_parse_arg(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_leaks *r = p->r;
	uint64_t index;
	char *s = hg_parse_field(p, f, "argument index");

	if (!s || hg_parse_decimal(p, s, "argument index", &index) < 0)
		return -1;
	if (index != r->nargs)
		return hg_parse_fail(p, "argument %llu where argument %zu was expected",
				     (unsigned long long)index, r->nargs);
	s = hg_parse_rest(p, f, "argument text");
	if (!s || hg_parse_grow(p, (void **)&r->args, &p->cap_args, r->nargs + 1, sizeof(*r->args),
				HG_LEAKS_RECORDS_MAX, "arguments") < 0)
		return -1;
	if (!(r->args[r->nargs] = hg_parse_text(p, s, "an argument")))
		return -1;
	r->nargs++;
	return 0;
}

/* "default, env, tunable": the source words of a format version, for an
 * error message. */
static const char *hg_parse_sources(unsigned format, char *buf, size_t size)
{
	int s, count = format < 2 ? HG_FMT_SOURCES_V1 : HG_FMT_SOURCES;
	size_t n = 0;

	buf[0] = '\0';
	for (s = 0; s < count && n < size; s++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", s ? ", " : "",
				      hg_fmt_source_name((enum hg_fmt_source)s));
	return buf;
}

int hg_parse_option(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_leaks *r = p->r;
	struct hg_leak_option *o;
	char *name, *source, *value, *c, sources[128];

	if (!(name = hg_parse_field(p, f, "option name")) ||
	    !(source = hg_parse_field(p, f, "option source")) ||
	    !(value = hg_parse_rest(p, f, "option value")))
		return -1;
	for (c = name; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.", *c))
			return hg_parse_fail(
				p, "option name has a byte 0x%02x that no option name has",
				(unsigned char)*c);
	/* Version 1 knew three sources. */
	if (hg_fmt_source_parse(source) >= (p->r->format < 2 ? HG_FMT_SOURCES_V1 : HG_FMT_SOURCES))
		return hg_parse_fail(p, "option source is not one of %s",
				     hg_parse_sources(p->r->format, sources, sizeof(sources)));
	if (hg_parse_grow(p, (void **)&r->options, &p->cap_options, r->noptions + 1,
			  sizeof(*r->options), HG_LEAKS_RECORDS_MAX, "options") < 0)
		return -1;
	o = &r->options[r->noptions];
	memset(o, 0, sizeof(*o));
	r->noptions++;
	o->name = strdup(name);
	o->source = strdup(source);
	if (!o->name || !o->source)
		return hg_parse_fail(p, "out of memory");
	o->value = hg_parse_text(p, value, "an option value");
	return o->value ? 0 : -1;
}

int hg_parse_module(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_leaks *r = p->r;
	struct hg_leak_module *m;
	uint64_t index;
	char *s, *id, *path, *c;

	if (!(s = hg_parse_field(p, f, "module index")) ||
	    hg_parse_decimal(p, s, "module index", &index) < 0)
		return -1;
	if (index != r->nmodules)
		return hg_parse_fail(
			p,
			"module %llu where module %zu was expected (indices count from 0 in order)",
			(unsigned long long)index, r->nmodules);
	if (hg_parse_grow(p, (void **)&r->modules, &p->cap_modules, r->nmodules + 1,
			  sizeof(*r->modules), HG_LEAKS_RECORDS_MAX, "modules") < 0)
		return -1;
	m = &r->modules[r->nmodules];
	memset(m, 0, sizeof(*m));
	r->nmodules++;
	if (!(s = hg_parse_field(p, f, "module base")) ||
	    hg_parse_hex(p, s, "module base", &m->base) < 0)
		return -1;
	if (!(id = hg_parse_field(p, f, "module build id")) ||
	    !(path = hg_parse_rest(p, f, "module path")))
		return -1;
	if (strcmp(id, HG_FMT_BUILD_ID_NONE) != 0) {
		size_t n = strlen(id);

		for (c = id; *c; c++)
			if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
				return hg_parse_fail(p, "build id is not lowercase hex or '%s'",
						     HG_FMT_BUILD_ID_NONE);
		if (n % 2 || n > HG_FMT_BUILD_ID_MAX)
			return hg_parse_fail(
				p, "build id has %zu hex digits (an even number up to %d expected)",
				n, HG_FMT_BUILD_ID_MAX);
		if (!(m->build_id = strdup(id)))
			return hg_parse_fail(p, "out of memory");
	}
	m->path = hg_parse_text(p, path, "the module path");
	return m->path ? 0 : -1;
}

static int hg_parse_frame(struct hg_parse *p, char *s, struct hg_leak_frame *frame)
{
	char *plus = strchr(s, '+');
	char show[64];
	uint64_t module;

	if (!plus)
		return hg_parse_fail(p, "frame '%s' is not MODULE+0xOFFSET",
				     hg_parse_show(s, show, sizeof(show)));
	*plus = '\0';
	if (strcmp(s, HG_FMT_NO_MODULE) == 0) {
		frame->module = HG_NO_MODULE;
	} else {
		if (hg_parse_decimal(p, s, "frame module", &module) < 0)
			return -1;
		if (module >= p->r->nmodules)
			return hg_parse_fail(
				p, "frame names module %llu, which no 'module' line defines",
				(unsigned long long)module);
		frame->module = (uint32_t)module;
	}
	return hg_parse_hex(p, plus + 1, "frame offset", &frame->offset);
}

int hg_parse_stack(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_leaks *r = p->r;
	struct hg_leak_stack *st;
	uint64_t id;
	uint32_t old;
	char *s;
	int put;

	if (!(s = hg_parse_field(p, f, "stack id")) || hg_parse_decimal(p, s, "stack id", &id) < 0)
		return -1;
	if (id == HG_FMT_NO_STACK)
		return hg_parse_fail(p, "stack id 0 (ids start at 1; 0 means no stack)");
	if (hg_parse_grow(p, (void **)&r->stacks, &p->cap_stacks, r->nstacks + 1,
			  sizeof(*r->stacks), HG_LEAKS_RECORDS_MAX, "stacks") < 0)
		return -1;
	put = hg_map_put(&p->stack_ids, id, 0, (uint32_t)r->nstacks, &old);
	if (put < 0)
		return hg_parse_fail(p, "out of memory");
	if (put > 0)
		return hg_parse_fail(p, "stack %llu is defined twice", (unsigned long long)id);
	st = &r->stacks[r->nstacks++];
	st->id = id;
	st->first = (uint32_t)r->nframes;
	st->count = 0;
	while (*f->s || f->separated) {
		if (st->count == HG_FMT_FRAMES_MAX)
			return hg_parse_fail(p, "stack %llu has more than %d frames",
					     (unsigned long long)id, HG_FMT_FRAMES_MAX);
		if (!(s = hg_parse_field(p, f, "frame")))
			return -1;
		if (hg_parse_grow(p, (void **)&r->frames, &p->cap_frames, r->nframes + 1,
				  sizeof(*r->frames), HG_LEAKS_FRAMES_MAX, "frames") < 0)
			return -1;
		if (hg_parse_frame(p, s, &r->frames[r->nframes]) < 0)
			return -1;
		r->nframes++;
		st->count++;
	}
	return 0;
}

int hg_parse_stack_ref(struct hg_parse *p, const char *s, const char *record, const char *what,
		       uint32_t *index)
{
	uint64_t id;

	if (hg_parse_decimal(p, s, what, &id) < 0)
		return -1;
	*index = HG_NO_STACK;
	if (id == HG_FMT_NO_STACK)
		return 0;
	*index = hg_map_get(&p->stack_ids, id, 0);
	if (*index == HG_MAP_NONE)
		return hg_parse_fail(p, "%s names stack %llu, which no 'stack' line defines",
				     record, (unsigned long long)id);
	return 0;
}

int hg_parse_numbers(struct hg_parse *p, struct hg_fields *f, const char *record,
		     const char *const *what, uint64_t *out, int count)
{
	char *s;
	int i;

	for (i = 0; i < count; i++)
		if (!(s = hg_parse_field(p, f, what[i])) ||
		    hg_parse_decimal(p, s, what[i], &out[i]) < 0)
			return -1;
	return hg_parse_done(p, f, record);
}

/* Moves the phase to rec (p->nrecords: past the end), or says what is out
 * of order or missing. */
static int hg_advance(struct hg_parse *p, int rec)
{
	const struct hg_fmt_record *t = p->records;
	int r;

	if (rec < p->phase || (rec == p->phase && !t[rec].repeats)) {
		if (rec == p->phase)
			return hg_parse_fail(p, "a second '%s' record", t[rec].name);
		return hg_parse_fail(p, "'%s' record after '%s' (out of order)", t[rec].name,
				     t[p->phase].name);
	}
	for (r = p->phase + 1; r < rec; r++)
		if (t[r].required) {
			if (rec == p->nrecords)
				return hg_parse_fail(p, "missing '%s' record (file truncated?)",
						     t[r].name);
			return hg_parse_fail(p, "missing '%s' record before '%s'", t[r].name,
					     t[rec].name);
		}
	p->phase = rec;
	return 0;
}

static int hg_parse_line(struct hg_parse *p, char *line)
{
	struct hg_fields f = { line, false };
	char show[64];
	char *type;
	int rec;

	if (p->phase < 0) {
		if (p->magic(p, line) < 0)
			return -1;
		p->phase = 0;
		return 0;
	}
	if (p->phase == p->nrecords - 1)
		return hg_parse_fail(p, "data after the '%s' line", p->records[p->phase].name);
	if (!(type = hg_parse_field(p, &f, "record type")))
		return -1;
	for (rec = 1; rec < p->nrecords; rec++)
		if (strcmp(type, p->records[rec].name) == 0)
			break;
	if (rec == p->nrecords) {
		if (p->phase >= p->skip_unknown_from)
			return 0;
		return hg_parse_fail(p, "unknown record '%s' in the header",
				     hg_parse_show(type, show, sizeof(show)));
	}
	if (hg_advance(p, rec) < 0)
		return -1;
	return p->parsers[rec](p, &f);
}

static int hg_parse_all(struct hg_parse *p)
{
	char msg[256];
	char *line;
	size_t len;
	int got;

	while ((got = hg_gzlines_next(&p->in, &line, &len, msg, sizeof(msg))) > 0)
		if (hg_parse_line(p, line) < 0)
			return -1;
	if (got < 0) {
		p->in.line++;
		return hg_parse_fail(p, "%s", msg);
	}
	p->in.line++;
	if (p->phase < 0)
		return hg_parse_fail(p, "empty report");
	if (p->phase != p->nrecords - 1)
		return hg_advance(p, p->nrecords);
	return 0;
}

int hg_parse_file(struct hg_parse *p, const char *path, struct hg_leaks *run, char *err,
		  size_t errlen)
{
	char msg[256];
	int rc;

	memset(run, 0, sizeof(*run));
	p->path = path;
	p->r = run;
	p->err = err;
	p->errlen = errlen;
	p->phase = -1;
	hg_map_init(&p->stack_ids);
	rc = hg_gzlines_open(&p->in, path, msg, sizeof(msg));
	if (rc < 0) {
		/* Content errors name line 1; a file that cannot be read, no line. */
		snprintf(err, errlen, rc == -2 ? "%s:1: %s" : "%s: %s", path, msg);
		hg_map_free(&p->stack_ids);
		return -1;
	}
	run->path = strdup(path);
	rc = run->path ? hg_parse_all(p) : hg_parse_fail(p, "out of memory");
	hg_gzlines_close(&p->in);
	hg_map_free(&p->stack_ids);
	return rc;
}
