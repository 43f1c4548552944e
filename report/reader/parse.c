/* SPDX-License-Identifier: MIT */
/* The leak report parser: one pass over the lines, each record checked as it
 * comes (order, field count, number ranges, references to what came before),
 * so that every later stage can trust struct hg_leaks.  The first problem
 * stops the parse with one "PATH:LINE: what is wrong" message. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gzlines.h"
#include "leaks.h"
#include "map.h"

/* Record types in the order the format requires them. */
enum hg_record {
	HG_REC_MAGIC,
	HG_REC_VERSION,
	HG_REC_PROGRAM,
	HG_REC_PID,
	HG_REC_PPID,
	HG_REC_TIME,
	HG_REC_LEVEL,
	HG_REC_STATUS,
	HG_REC_ARG,
	HG_REC_OPTION,
	HG_REC_MODULE,
	HG_REC_STACK,
	HG_REC_SITE,
	HG_REC_TOTALS,
	HG_REC_DEPOT,
	HG_REC_SCAN,
	HG_REC_END,
	HG_RECORDS,
};

static const struct {
	const char *name;
	bool repeats;  /* may appear any number of times */
	bool required; /* must appear (exactly once: none that repeat is required) */
} hg_records[HG_RECORDS] = {
	[HG_REC_MAGIC] = { "heapguard-leaks", false, true },
	[HG_REC_VERSION] = { "version", false, true },
	[HG_REC_PROGRAM] = { "program", false, true },
	[HG_REC_PID] = { "pid", false, true },
	[HG_REC_PPID] = { "ppid", false, true },
	[HG_REC_TIME] = { "time", false, true },
	[HG_REC_LEVEL] = { "level", false, true },
	[HG_REC_STATUS] = { "status", false, true },
	[HG_REC_ARG] = { "arg", true, false },
	[HG_REC_OPTION] = { "option", true, false },
	[HG_REC_MODULE] = { "module", true, false },
	[HG_REC_STACK] = { "stack", true, false },
	[HG_REC_SITE] = { "site", true, false },
	[HG_REC_TOTALS] = { "totals", false, true },
	/* informational: a reader does not need them */
	[HG_REC_DEPOT] = { "depot", false, false },
	[HG_REC_SCAN] = { "scan", false, false },
	[HG_REC_END] = { "end", false, true },
};

static const char *const hg_kind_names[HG_KINDS] = { "lost", "indirect", "reachable" };

struct hg_parse {
	const char *path;
	struct hg_gzlines in;
	struct hg_leaks *r;
	char *err;
	size_t errlen;
	int phase;		 /* the last record type seen, -1 before the first */
	struct hg_map stack_ids; /* stack id -> index into r->stacks */
	struct hg_map site_keys; /* (kind, stack index) -> index into r->sites */
	size_t cap_args, cap_options, cap_modules, cap_stacks, cap_frames, cap_sites;
	struct hg_leak_amount sums[HG_KINDS];
};

/* A cursor over the fields of one line. */
struct hg_fields {
	char *s;	/* the next field starts here */
	bool separated; /* a space was consumed before s */
};

const char *hg_leak_kind_name(enum hg_leak_kind kind)
{
	return (unsigned)kind < HG_KINDS ? hg_kind_names[kind] : "?";
}

__attribute__((format(printf, 2, 3))) static int hg_fail(struct hg_parse *p, const char *fmt, ...)
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
static const char *hg_show(const char *field, char *buf, size_t size)
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

static int hg_grow(struct hg_parse *p, void **array, size_t *cap, size_t need, size_t elem,
		   size_t limit, const char *what)
{
	size_t ncap;
	void *grown;

	if (need <= *cap)
		return 0;
	if (need > limit)
		return hg_fail(p, "more than %zu %s: refusing to hold them", limit, what);
	ncap = *cap ? *cap * 2 : 16;
	if (ncap < need)
		ncap = need;
	if (ncap > limit)
		ncap = limit;
	grown = realloc(*array, ncap * elem);
	if (!grown)
		return hg_fail(p, "out of memory holding %zu %s", need, what);
	*array = grown;
	*cap = ncap;
	return 0;
}

/* The next field, NUL-terminated in place, or NULL (error set). */
static char *hg_field(struct hg_parse *p, struct hg_fields *f, const char *what)
{
	char *start = f->s, *sp;

	if (!*start) {
		hg_fail(p, "missing %s", what);
		return NULL;
	}
	sp = strchr(start, ' ');
	if (sp == start) {
		hg_fail(p, "empty %s (fields are separated by one space)", what);
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
static char *hg_rest(struct hg_parse *p, struct hg_fields *f, const char *what)
{
	if (!f->separated) {
		hg_fail(p, "missing %s", what);
		return NULL;
	}
	f->separated = false;
	return f->s;
}

static int hg_done(struct hg_parse *p, const struct hg_fields *f, const char *record)
{
	char show[64];

	if (f->separated && !*f->s)
		return hg_fail(p, "trailing space after the '%s' record", record);
	if (*f->s)
		return hg_fail(p, "unexpected field '%s' in the '%s' record",
			       hg_show(f->s, show, sizeof(show)), record);
	return 0;
}

static int hg_decimal(struct hg_parse *p, const char *s, const char *what, uint64_t *out)
{
	uint64_t v = 0;
	char show[64];
	const char *c;

	if (!*s)
		return hg_fail(p, "empty %s", what);
	for (c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return hg_fail(p, "%s '%s' is not an unsigned decimal number", what,
				       hg_show(s, show, sizeof(show)));
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*c - '0'), &v))
			return hg_fail(p, "%s '%s' does not fit in 64 bits", what,
				       hg_show(s, show, sizeof(show)));
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

static int hg_hex(struct hg_parse *p, const char *s, const char *what, uint64_t *out)
{
	uint64_t v = 0;
	char show[64];
	const char *c;

	if (s[0] != '0' || s[1] != 'x' || !s[2])
		return hg_fail(p, "%s '%s' is not a 0x hex number", what,
			       hg_show(s, show, sizeof(show)));
	for (c = s + 2; *c; c++) {
		int d = hg_hex_digit(*c);

		if (d < 0)
			return hg_fail(p, "%s '%s' is not a 0x hex number", what,
				       hg_show(s, show, sizeof(show)));
		if (v >> 60)
			return hg_fail(p, "%s '%s' does not fit in 64 bits", what,
				       hg_show(s, show, sizeof(show)));
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
			return hg_fail(p, "raw control byte 0x%02x in %s (the writer escapes them)",
				       c, what);
		if (c != '\\') {
			*out++ = (char)c;
			continue;
		}
		switch (*++s) {
		case '\\':
			*out++ = '\\';
			break;
		case 'n':
			*out++ = '\n';
			break;
		case 't':
			*out++ = '\t';
			break;
		case 'r':
			*out++ = '\r';
			break;
		case 'x':
			hi = s[1] ? hg_hex_digit(s[1]) : -1;
			lo = hi >= 0 && s[2] ? hg_hex_digit(s[2]) : -1;
			if (lo < 0)
				return hg_fail(p, "bad \\x escape in %s", what);
			if (hi == 0 && lo == 0)
				return hg_fail(p, "escaped NUL byte in %s", what);
			*out++ = (char)(hi << 4 | lo);
			s += 2;
			break;
		case '\0':
			return hg_fail(p, "backslash at the end of %s", what);
		default:
			return hg_fail(p, "unknown escape '\\%c' in %s",
				       *s >= 0x20 && *s < 0x7f ? *s : '?', what);
		}
	}
	*out = '\0';
	return 0;
}

static char *hg_text(struct hg_parse *p, char *s, const char *what)
{
	char *copy;

	if (hg_unescape(p, s, what) < 0)
		return NULL;
	copy = strdup(s);
	if (!copy)
		hg_fail(p, "out of memory");
	return copy;
}

static int hg_parse_magic(struct hg_parse *p, char *line)
{
	static const char prefix[] = "heapguard-leaks ";
	char show[64];

	if (strcmp(line, "heapguard-leaks 1") == 0)
		return 0;
	if (strncmp(line, prefix, sizeof(prefix) - 1) == 0)
		return hg_fail(p, "unsupported format version '%s' (this reader reads version %d)",
			       hg_show(line + sizeof(prefix) - 1, show, sizeof(show)),
			       HG_LEAKS_FORMAT);
	if (strncmp(line, "heapguard-frag ", 15) == 0)
		return hg_fail(p, "a fragmentation report, not a leak report");
	return hg_fail(p,
		       "not a heapguard leak report (the first line is not 'heapguard-leaks %d')",
		       HG_LEAKS_FORMAT);
}

static int hg_parse_one_number(struct hg_parse *p, struct hg_fields *f, const char *what,
			       uint64_t *out)
{
	char *s = hg_field(p, f, what);

	if (!s || hg_decimal(p, s, what, out) < 0)
		return -1;
	return hg_done(p, f, what);
}

static int hg_parse_time(struct hg_parse *p, struct hg_fields *f)
{
	char *secs = hg_field(p, f, "time seconds");
	char *utc, *c;

	if (!secs || hg_decimal(p, secs, "time", &p->r->time) < 0)
		return -1;
	utc = hg_field(p, f, "time in UTC");
	if (!utc || hg_done(p, f, "time") < 0)
		return -1;
	for (c = utc; *c; c++)
		if (!strchr("0123456789-:.TZ", *c) || c - utc > 40)
			return hg_fail(p, "time in UTC is not an ISO 8601 date");
	p->r->time_utc = strdup(utc);
	return p->r->time_utc ? 0 : hg_fail(p, "out of memory");
}

static int hg_parse_header(struct hg_parse *p, enum hg_record rec, struct hg_fields *f)
{
	struct hg_leaks *r = p->r;
	char *s;

	switch (rec) {
	case HG_REC_VERSION:
		s = hg_field(p, f, "version");
		if (!s || hg_done(p, f, "version") < 0 || !(s = hg_text(p, s, "the version")))
			return -1;
		r->version = s;
		return 0;
	case HG_REC_PROGRAM:
		s = hg_rest(p, f, "program path");
		if (!s || !(r->program = hg_text(p, s, "the program path")))
			return -1;
		return 0;
	case HG_REC_PID:
		if (hg_parse_one_number(p, f, "pid", &r->pid) < 0)
			return -1;
		if (r->pid == 0 || r->pid > INT32_MAX)
			return hg_fail(p, "pid %llu is out of range", (unsigned long long)r->pid);
		return 0;
	case HG_REC_PPID:
		if (hg_parse_one_number(p, f, "ppid", &r->ppid) < 0)
			return -1;
		if (r->ppid > INT32_MAX)
			return hg_fail(p, "ppid %llu is out of range", (unsigned long long)r->ppid);
		return 0;
	case HG_REC_TIME:
		return hg_parse_time(p, f);
	case HG_REC_LEVEL:
		s = hg_field(p, f, "level");
		if (!s || hg_done(p, f, "level") < 0)
			return -1;
		if (strcmp(s, "fast") != 0 && strcmp(s, "full") != 0)
			return hg_fail(p, "level is neither 'fast' nor 'full'");
		r->fast = s[1] == 'a';
		return 0;
	case HG_REC_STATUS:
		s = hg_field(p, f, "status");
		if (!s || hg_done(p, f, "status") < 0)
			return -1;
		if (strcmp(s, "-") == 0)
			return 0;
		r->has_status = true;
		return hg_decimal(p, s, "status", &r->status);
	default:
		return hg_fail(p, "internal error: record %d is not a header record", (int)rec);
	}
}

static int hg_parse_arg(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_leaks *r = p->r;
	uint64_t index;
	char *s = hg_field(p, f, "argument index");

	if (!s || hg_decimal(p, s, "argument index", &index) < 0)
		return -1;
	if (index != r->nargs)
		return hg_fail(p, "argument %llu where argument %zu was expected",
			       (unsigned long long)index, r->nargs);
	s = hg_rest(p, f, "argument text");
	if (!s || hg_grow(p, (void **)&r->args, &p->cap_args, r->nargs + 1, sizeof(*r->args),
			  HG_LEAKS_RECORDS_MAX, "arguments") < 0)
		return -1;
	if (!(r->args[r->nargs] = hg_text(p, s, "an argument")))
		return -1;
	r->nargs++;
	return 0;
}

static int hg_parse_option(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_leaks *r = p->r;
	struct hg_leak_option *o;
	char *name, *source, *value, *c;

	if (!(name = hg_field(p, f, "option name")) ||
	    !(source = hg_field(p, f, "option source")) || !(value = hg_rest(p, f, "option value")))
		return -1;
	for (c = name; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.", *c))
			return hg_fail(p, "option name has a byte 0x%02x that no option name has",
				       (unsigned char)*c);
	if (strcmp(source, "default") != 0 && strcmp(source, "env") != 0 &&
	    strcmp(source, "tunable") != 0)
		return hg_fail(p, "option source is not one of default, env, tunable");
	if (hg_grow(p, (void **)&r->options, &p->cap_options, r->noptions + 1, sizeof(*r->options),
		    HG_LEAKS_RECORDS_MAX, "options") < 0)
		return -1;
	o = &r->options[r->noptions];
	memset(o, 0, sizeof(*o));
	r->noptions++;
	o->name = strdup(name);
	o->source = strdup(source);
	if (!o->name || !o->source)
		return hg_fail(p, "out of memory");
	o->value = hg_text(p, value, "an option value");
	return o->value ? 0 : -1;
}

static int hg_parse_module(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_leaks *r = p->r;
	struct hg_leak_module *m;
	uint64_t index;
	char *s, *id, *path, *c;

	if (!(s = hg_field(p, f, "module index")) || hg_decimal(p, s, "module index", &index) < 0)
		return -1;
	if (index != r->nmodules)
		return hg_fail(
			p,
			"module %llu where module %zu was expected (indices count from 0 in order)",
			(unsigned long long)index, r->nmodules);
	if (hg_grow(p, (void **)&r->modules, &p->cap_modules, r->nmodules + 1, sizeof(*r->modules),
		    HG_LEAKS_RECORDS_MAX, "modules") < 0)
		return -1;
	m = &r->modules[r->nmodules];
	memset(m, 0, sizeof(*m));
	r->nmodules++;
	if (!(s = hg_field(p, f, "module base")) || hg_hex(p, s, "module base", &m->base) < 0)
		return -1;
	if (!(id = hg_field(p, f, "module build id")) || !(path = hg_rest(p, f, "module path")))
		return -1;
	if (strcmp(id, "-") != 0) {
		size_t n = strlen(id);

		for (c = id; *c; c++)
			if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
				return hg_fail(p, "build id is not lowercase hex or '-'");
		if (n % 2 || n > 512)
			return hg_fail(
				p,
				"build id has %zu hex digits (an even number up to 512 expected)",
				n);
		if (!(m->build_id = strdup(id)))
			return hg_fail(p, "out of memory");
	}
	m->path = hg_text(p, path, "the module path");
	return m->path ? 0 : -1;
}

static int hg_parse_frame(struct hg_parse *p, char *s, struct hg_leak_frame *frame)
{
	char *plus = strchr(s, '+');
	char show[64];
	uint64_t module;

	if (!plus)
		return hg_fail(p, "frame '%s' is not MODULE+0xOFFSET",
			       hg_show(s, show, sizeof(show)));
	*plus = '\0';
	if (strcmp(s, "?") == 0) {
		frame->module = HG_NO_MODULE;
	} else {
		if (hg_decimal(p, s, "frame module", &module) < 0)
			return -1;
		if (module >= p->r->nmodules)
			return hg_fail(p, "frame names module %llu, which no 'module' line defines",
				       (unsigned long long)module);
		frame->module = (uint32_t)module;
	}
	return hg_hex(p, plus + 1, "frame offset", &frame->offset);
}

static int hg_parse_stack(struct hg_parse *p, struct hg_fields *f)
{
	struct hg_leaks *r = p->r;
	struct hg_leak_stack *st;
	uint64_t id;
	uint32_t old;
	char *s;
	int put;

	if (!(s = hg_field(p, f, "stack id")) || hg_decimal(p, s, "stack id", &id) < 0)
		return -1;
	if (id == 0)
		return hg_fail(p, "stack id 0 (ids start at 1; 0 means no stack)");
	if (hg_grow(p, (void **)&r->stacks, &p->cap_stacks, r->nstacks + 1, sizeof(*r->stacks),
		    HG_LEAKS_RECORDS_MAX, "stacks") < 0)
		return -1;
	put = hg_map_put(&p->stack_ids, id, 0, (uint32_t)r->nstacks, &old);
	if (put < 0)
		return hg_fail(p, "out of memory");
	if (put > 0)
		return hg_fail(p, "stack %llu is defined twice", (unsigned long long)id);
	st = &r->stacks[r->nstacks++];
	st->id = id;
	st->first = (uint32_t)r->nframes;
	st->count = 0;
	while (*f->s || f->separated) {
		if (st->count == HG_LEAKS_FRAMES_PER_STACK)
			return hg_fail(p, "stack %llu has more than %d frames",
				       (unsigned long long)id, HG_LEAKS_FRAMES_PER_STACK);
		if (!(s = hg_field(p, f, "frame")))
			return -1;
		if (hg_grow(p, (void **)&r->frames, &p->cap_frames, r->nframes + 1,
			    sizeof(*r->frames), HG_LEAKS_FRAMES_MAX, "frames") < 0)
			return -1;
		if (hg_parse_frame(p, s, &r->frames[r->nframes]) < 0)
			return -1;
		r->nframes++;
		st->count++;
	}
	return 0;
}

static int hg_parse_kind(struct hg_parse *p, const char *s, enum hg_leak_kind *kind)
{
	int k;

	for (k = 0; k < HG_KINDS; k++)
		if (strcmp(s, hg_kind_names[k]) == 0) {
			*kind = (enum hg_leak_kind)k;
			return 0;
		}
	return hg_fail(p, "site kind is not lost, indirect or reachable");
}

static int hg_parse_threads(struct hg_parse *p, char *s, struct hg_leak_site *site)
{
	char *next;

	for (; s; s = next) {
		next = strchr(s, ',');
		if (next)
			*next++ = '\0';
		if (strcmp(s, "+") == 0 && site->nthreads > 0 && !next) {
			site->more_threads = true;
			return 0;
		}
		if (site->nthreads == HG_LEAKS_THREADS_LISTED)
			return hg_fail(p, "more than %d threads listed (more are written as ',+')",
				       HG_LEAKS_THREADS_LISTED);
		/* 0: not known (level=fast, or before stacks were set up). */
		if (hg_decimal(p, s, "thread number", &site->threads[site->nthreads]) < 0)
			return -1;
		site->nthreads++;
	}
	return 0;
}

/* blocks >= 1, min <= max, blocks*min <= bytes <= blocks*max. */
static int hg_check_site_sizes(struct hg_parse *p, const struct hg_leak_site *s)
{
	uint64_t low, high;

	if (s->blocks == 0)
		return hg_fail(p, "site with 0 blocks");
	if (s->min > s->max)
		return hg_fail(p, "site's smallest size %llu is above its largest %llu",
			       (unsigned long long)s->min, (unsigned long long)s->max);
	if (__builtin_mul_overflow(s->blocks, s->min, &low) || s->bytes < low)
		return hg_fail(p, "site's %llu bytes are fewer than %llu blocks of at least %llu",
			       (unsigned long long)s->bytes, (unsigned long long)s->blocks,
			       (unsigned long long)s->min);
	if (!__builtin_mul_overflow(s->blocks, s->max, &high) && s->bytes > high)
		return hg_fail(p, "site's %llu bytes are more than %llu blocks of at most %llu",
			       (unsigned long long)s->bytes, (unsigned long long)s->blocks,
			       (unsigned long long)s->max);
	return 0;
}

static int hg_parse_site(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[4] = { "blocks", "bytes", "smallest size", "largest size" };
	struct hg_leaks *r = p->r;
	struct hg_leak_site *site;
	struct hg_leak_amount *sum;
	uint64_t stack_id, *numbers[4];
	uint32_t old;
	char *s;
	int i, put;

	if (hg_grow(p, (void **)&r->sites, &p->cap_sites, r->nsites + 1, sizeof(*r->sites),
		    HG_LEAKS_RECORDS_MAX, "sites") < 0)
		return -1;
	site = &r->sites[r->nsites];
	memset(site, 0, sizeof(*site));
	if (!(s = hg_field(p, f, "site kind")) || hg_parse_kind(p, s, &site->kind) < 0)
		return -1;
	if (!(s = hg_field(p, f, "site stack")) || hg_decimal(p, s, "site stack", &stack_id) < 0)
		return -1;
	site->stack = HG_NO_STACK;
	if (stack_id != 0) {
		site->stack = hg_map_get(&p->stack_ids, stack_id, 0);
		if (site->stack == HG_MAP_NONE)
			return hg_fail(p, "site names stack %llu, which no 'stack' line defines",
				       (unsigned long long)stack_id);
	}
	numbers[0] = &site->blocks;
	numbers[1] = &site->bytes;
	numbers[2] = &site->min;
	numbers[3] = &site->max;
	for (i = 0; i < 4; i++)
		if (!(s = hg_field(p, f, what[i])) || hg_decimal(p, s, what[i], numbers[i]) < 0)
			return -1;
	if (!(s = hg_field(p, f, "threads")) || hg_done(p, f, "site") < 0 ||
	    hg_parse_threads(p, s, site) < 0 || hg_check_site_sizes(p, site) < 0)
		return -1;
	put = hg_map_put(&p->site_keys, site->kind, site->stack, (uint32_t)r->nsites, &old);
	if (put < 0)
		return hg_fail(p, "out of memory");
	if (put > 0)
		return hg_fail(p, "a second '%s' site for stack %llu", hg_kind_names[site->kind],
			       (unsigned long long)stack_id);
	sum = &p->sums[site->kind];
	if (__builtin_add_overflow(sum->bytes, site->bytes, &sum->bytes) ||
	    __builtin_add_overflow(sum->blocks, site->blocks, &sum->blocks))
		return hg_fail(p, "the %s sites add up to more than 64 bits",
			       hg_kind_names[site->kind]);
	r->nsites++;
	return 0;
}

static int hg_parse_numbers(struct hg_parse *p, struct hg_fields *f, const char *record,
			    const char *const *what, uint64_t *out, int count)
{
	char *s;
	int i;

	for (i = 0; i < count; i++)
		if (!(s = hg_field(p, f, what[i])) || hg_decimal(p, s, what[i], &out[i]) < 0)
			return -1;
	return hg_done(p, f, record);
}

static int hg_parse_totals(struct hg_parse *p, struct hg_fields *f)
{
	static const char *const what[6] = { "lost bytes",	"lost blocks",
					     "indirect bytes",	"indirect blocks",
					     "reachable bytes", "reachable blocks" };
	uint64_t v[6];
	int k;

	if (hg_parse_numbers(p, f, "totals", what, v, 6) < 0)
		return -1;
	for (k = 0; k < HG_KINDS; k++) {
		p->r->totals[k].bytes = v[2 * k];
		p->r->totals[k].blocks = v[2 * k + 1];
		if (v[2 * k] != p->sums[k].bytes || v[2 * k + 1] != p->sums[k].blocks)
			return hg_fail(p,
				       "totals say %llu %s bytes in %llu blocks, the sites add up "
				       "to %llu in %llu",
				       (unsigned long long)v[2 * k], hg_kind_names[k],
				       (unsigned long long)v[2 * k + 1],
				       (unsigned long long)p->sums[k].bytes,
				       (unsigned long long)p->sums[k].blocks);
	}
	return 0;
}

static int hg_parse_tail(struct hg_parse *p, enum hg_record rec, struct hg_fields *f)
{
	static const char *const depot[4] = { "depot stacks", "depot bytes", "depot captures",
					      "depot hits" };
	static const char *const scan[4] = { "scanned root bytes", "scanned threads",
					     "threads not stopped", "scan microseconds" };
	static const char *const end[2] = { "site count", "stack count" };
	struct hg_leaks *r = p->r;
	uint64_t counts[2];

	switch (rec) {
	case HG_REC_TOTALS:
		return hg_parse_totals(p, f);
	case HG_REC_DEPOT:
		r->has_depot = true;
		if (hg_parse_numbers(p, f, "depot", depot, r->depot, 4) < 0)
			return -1;
		if (r->depot[3] > r->depot[2])
			return hg_fail(p, "depot hits exceed its captures");
		return 0;
	case HG_REC_SCAN:
		r->has_scan = true;
		if (hg_parse_numbers(p, f, "scan", scan, r->scan, 4) < 0)
			return -1;
		if (r->scan[2] > r->scan[1])
			return hg_fail(p, "more threads not stopped than scanned");
		return 0;
	case HG_REC_END:
		if (hg_parse_numbers(p, f, "end", end, counts, 2) < 0)
			return -1;
		if (counts[0] != r->nsites || counts[1] != r->nstacks)
			return hg_fail(
				p,
				"'end' counts %llu sites and %llu stacks, the file has %zu and %zu",
				(unsigned long long)counts[0], (unsigned long long)counts[1],
				r->nsites, r->nstacks);
		return 0;
	default:
		return hg_fail(p, "internal error: record %d is not a tail record", (int)rec);
	}
}

/* Moves the phase to rec, or says what is out of order or missing. */
static int hg_advance(struct hg_parse *p, int rec)
{
	int r;

	if (rec < p->phase || (rec == p->phase && !hg_records[rec].repeats)) {
		if (rec == p->phase)
			return hg_fail(p, "a second '%s' record", hg_records[rec].name);
		return hg_fail(p, "'%s' record after '%s' (out of order)", hg_records[rec].name,
			       hg_records[p->phase].name);
	}
	for (r = p->phase + 1; r < rec; r++)
		if (hg_records[r].required) {
			if (rec == HG_RECORDS)
				return hg_fail(p, "missing '%s' record (file truncated?)",
					       hg_records[r].name);
			return hg_fail(p, "missing '%s' record before '%s'", hg_records[r].name,
				       hg_records[rec].name);
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
		if (hg_parse_magic(p, line) < 0)
			return -1;
		p->phase = HG_REC_MAGIC;
		return 0;
	}
	if (p->phase == HG_REC_END)
		return hg_fail(p, "data after the 'end' line");
	if (!(type = hg_field(p, &f, "record type")))
		return -1;
	for (rec = HG_REC_VERSION; rec < HG_RECORDS; rec++)
		if (strcmp(type, hg_records[rec].name) == 0)
			break;
	if (rec == HG_RECORDS) {
		/* Version 1 may grow records after its header, never inside it. */
		if (p->phase >= HG_REC_MODULE)
			return 0;
		return hg_fail(p, "unknown record '%s' in the header",
			       hg_show(type, show, sizeof(show)));
	}
	if (hg_advance(p, rec) < 0)
		return -1;
	switch (rec) {
	case HG_REC_ARG:
		return hg_parse_arg(p, &f);
	case HG_REC_OPTION:
		return hg_parse_option(p, &f);
	case HG_REC_MODULE:
		return hg_parse_module(p, &f);
	case HG_REC_STACK:
		return hg_parse_stack(p, &f);
	case HG_REC_SITE:
		return hg_parse_site(p, &f);
	case HG_REC_TOTALS:
	case HG_REC_DEPOT:
	case HG_REC_SCAN:
	case HG_REC_END:
		return hg_parse_tail(p, (enum hg_record)rec, &f);
	default:
		return hg_parse_header(p, (enum hg_record)rec, &f);
	}
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
		return hg_fail(p, "%s", msg);
	}
	p->in.line++;
	if (p->phase < 0)
		return hg_fail(p, "empty report");
	if (p->phase != HG_REC_END)
		return hg_advance(p, HG_RECORDS);
	return 0;
}

int hg_leaks_load(const char *path, struct hg_leaks *report, char *err, size_t errlen)
{
	struct hg_parse p;
	char msg[256];
	int rc;

	memset(report, 0, sizeof(*report));
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.r = report;
	p.err = err;
	p.errlen = errlen;
	p.phase = -1;
	hg_map_init(&p.stack_ids);
	hg_map_init(&p.site_keys);
	rc = hg_gzlines_open(&p.in, path, msg, sizeof(msg));
	if (rc < 0) {
		/* Content errors name line 1; a file that cannot be read, no line. */
		snprintf(err, errlen, rc == -2 ? "%s:1: %s" : "%s: %s", path, msg);
		return -1;
	}
	report->path = strdup(path);
	rc = report->path ? hg_parse_all(&p) : hg_fail(&p, "out of memory");
	hg_gzlines_close(&p.in);
	hg_map_free(&p.stack_ids);
	hg_map_free(&p.site_keys);
	if (rc < 0)
		hg_leaks_free(report);
	return rc;
}

void hg_leaks_free(struct hg_leaks *r)
{
	size_t i;

	free(r->path);
	free(r->version);
	free(r->program);
	free(r->time_utc);
	for (i = 0; i < r->nargs; i++)
		free(r->args[i]);
	free(r->args);
	for (i = 0; i < r->noptions; i++) {
		free(r->options[i].name);
		free(r->options[i].source);
		free(r->options[i].value);
	}
	free(r->options);
	for (i = 0; i < r->nmodules; i++) {
		free(r->modules[i].build_id);
		free(r->modules[i].path);
	}
	free(r->modules);
	free(r->stacks);
	free(r->frames);
	free(r->sites);
	memset(r, 0, sizeof(*r));
}
