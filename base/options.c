/* SPDX-License-Identifier: MIT */
/* The configuration: glibc's malloc parameters (MALLOC_*, GLIBC_TUNABLES,
 * mallopt) with glibc 2.36's validity rules, and heapguard's own options from
 * options.def.  Runs inside the first malloc call, so it allocates nothing and
 * uses no stdio, getenv or locale: bytes are parsed by hand, text goes out
 * with write(2).  Depends on no other file of heapguard (the launcher links it). */
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

struct hg_config hg_config;

/* ---- the option table ---- */

struct hg_option_desc {
	const char *name;
	enum hg_option_type type;
	const char *type_name;
	long def_int;		/* INT, BOOL and ENUM (an index) */
	const char *def_string; /* STRING */
	long min, max;		/* value range; length range for STRING */
	const char *choices;	/* ENUM: "name|name|..."; "" otherwise */
	const char *bad_choice; /* ENUM: the reason for a value not in it */
	const char *help;
	size_t offset;		/* of the field in struct hg_options */
};

#define HG_DEF_HG_TYPE_INT(def) .def_int = (def), .def_string = NULL
#define HG_DEF_HG_TYPE_BOOL(def) .def_int = (def), .def_string = NULL
#define HG_DEF_HG_TYPE_STRING(def) .def_int = 0, .def_string = (def)
#define HG_DEF_HG_TYPE_ENUM(def) .def_int = (def), .def_string = NULL
#define HG_TYPENAME_HG_TYPE_INT "int"
#define HG_TYPENAME_HG_TYPE_BOOL "bool"
#define HG_TYPENAME_HG_TYPE_STRING "string"
#define HG_TYPENAME_HG_TYPE_ENUM "enum"

static const struct hg_option_desc hg_option_table[] = {
#define HG_OPTION(oname, otype, odef, omin, omax, ochoices, ohelp)             \
	{ .name = #oname, .type = otype, .type_name = HG_TYPENAME_##otype,      \
	  HG_DEF_##otype(odef), .min = (omin), .max = (omax),                  \
	  .choices = ochoices, .bad_choice = "expected " ochoices,             \
	  .help = ohelp, .offset = offsetof(struct hg_options, oname) },
#include "options.def"
#undef HG_OPTION
};

/* Choices belong to enums alone, and an enum's indices start at 0 and its
 * default is one of them.  (That max is the number of names less one is
 * checked by the unit test: C11 cannot count the '|' at compile time.) */
#define HG_OPTION(oname, otype, odef, omin, omax, ochoices, ohelp)             \
	_Static_assert((otype == HG_TYPE_ENUM) == (sizeof(ochoices) > 1),      \
		       #oname ": choices are for HG_TYPE_ENUM options only");  \
	_Static_assert(otype != HG_TYPE_ENUM || ((omin) == 0 && (omax) >= 0), \
		       #oname ": an enum's range is 0..choices-1");          \
	_Static_assert(otype != HG_TYPE_ENUM ||                               \
			       (HG_DEF_INDEX_##otype(odef) >= (omin) &&       \
				HG_DEF_INDEX_##otype(odef) <= (omax)),        \
		       #oname ": the default is not one of the choices");
#define HG_DEF_INDEX_HG_TYPE_INT(def) 0
#define HG_DEF_INDEX_HG_TYPE_BOOL(def) 0
#define HG_DEF_INDEX_HG_TYPE_STRING(def) 0
#define HG_DEF_INDEX_HG_TYPE_ENUM(def) (def)
#include "options.def"
#undef HG_OPTION

/* Longest token worth looking at: a key, '=', the longest value. */
#define HG_TOKEN_MAX (HG_OPTION_STRING_MAX + 64)
/* Bytes of a bad token quoted in the warning. */
#define HG_TOKEN_QUOTE_MAX 48

/* ---- tiny string helpers (no libc: it may not be initialised yet) ---- */

static size_t hg_strlen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

static bool hg_mem_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* a[0..alen) equals the NUL-terminated word, ignoring ASCII case. */
static bool hg_word_eq_nocase(const char *a, size_t alen, const char *word)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		char c = a[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (word[i] == '\0' || c != word[i])
			return false;
	}
	return word[i] == '\0';
}

/* a[0..alen) equals word[0..wlen), ignoring ASCII case in a. */
static bool hg_span_eq_nocase(const char *a, size_t alen, const char *word,
			      size_t wlen)
{
	if (alen != wlen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		char c = a[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != word[i])
			return false;
	}
	return true;
}

static void hg_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			return; /* EINTR is rare here; a lost line beats a loop */
		buf += n;
		len -= (size_t)n;
	}
}

/* Appending to a fixed buffer, always NUL-terminated, truncating silently. */
struct hg_buf {
	char *p;
	size_t len, used;
};

static void hg_buf_putc(struct hg_buf *b, char c)
{
	if (b->used + 1 < b->len)
		b->p[b->used++] = c;
	if (b->len > 0)
		b->p[b->used] = '\0';
}

static void hg_buf_puts(struct hg_buf *b, const char *s)
{
	while (*s != '\0')
		hg_buf_putc(b, *s++);
}

static void hg_buf_putu(struct hg_buf *b, unsigned long long v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		hg_buf_putc(b, digits[--n]);
}

static void hg_buf_puti(struct hg_buf *b, long v)
{
	if (v < 0) {
		hg_buf_putc(b, '-');
		hg_buf_putu(b, -(unsigned long long)v);
	} else {
		hg_buf_putu(b, (unsigned long long)v);
	}
}

/* Quote bytes so that a hostile string stays one short printable line. */
static void hg_buf_put_escaped(struct hg_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'') {
			hg_buf_putc(b, '\\');
			hg_buf_putc(b, 'x');
			hg_buf_putc(b, hex[c >> 4]);
			hg_buf_putc(b, hex[c & 15]);
		} else {
			hg_buf_putc(b, (char)c);
		}
	}
}

/* ---- glibc's parameters ---- */

struct hg_param_desc {
	const char *tunable; /* GLIBC_TUNABLES name */
	const char *env;     /* MALLOC_* alias, or NULL */
	size_t def;
	size_t min, max;     /* glibc ignores values outside */
	bool is_threshold;   /* setting it disables the dynamic threshold */
};

static const struct hg_param_desc hg_param_table[HG_PARAM_COUNT] = {
	[HG_PARAM_CHECK] = { "glibc.malloc.check", "MALLOC_CHECK_",
			     HG_DEFAULT_CHECK, 0, 3, false },
	[HG_PARAM_TOP_PAD] = { "glibc.malloc.top_pad", "MALLOC_TOP_PAD_",
			       HG_DEFAULT_TOP_PAD, 0, SIZE_MAX, true },
	[HG_PARAM_PERTURB] = { "glibc.malloc.perturb", "MALLOC_PERTURB_", 0, 0,
			       255, false },
	[HG_PARAM_MMAP_THRESHOLD] = { "glibc.malloc.mmap_threshold",
				      "MALLOC_MMAP_THRESHOLD_",
				      HG_DEFAULT_MMAP_THRESHOLD, 0, SIZE_MAX,
				      true },
	[HG_PARAM_TRIM_THRESHOLD] = { "glibc.malloc.trim_threshold",
				      "MALLOC_TRIM_THRESHOLD_",
				      HG_DEFAULT_TRIM_THRESHOLD, 0, SIZE_MAX,
				      true },
	/* an INT_32 tunable */
	[HG_PARAM_MMAP_MAX] = { "glibc.malloc.mmap_max", "MALLOC_MMAP_MAX_",
				HG_DEFAULT_MMAP_MAX, 0, INT32_MAX, true },
	/* 0 = unlimited (8 x cores); an explicit 0 is ignored (minval 1) */
	[HG_PARAM_ARENA_MAX] = { "glibc.malloc.arena_max", "MALLOC_ARENA_MAX", 0,
				 1, SIZE_MAX, false },
	[HG_PARAM_ARENA_TEST] = { "glibc.malloc.arena_test", "MALLOC_ARENA_TEST",
				  HG_DEFAULT_ARENA_TEST, 1, SIZE_MAX, false },
	[HG_PARAM_TCACHE_MAX] = { "glibc.malloc.tcache_max", NULL,
				  HG_DEFAULT_TCACHE_MAX, 0, HG_MAX_TCACHE_MAX,
				  false },
	[HG_PARAM_TCACHE_COUNT] = { "glibc.malloc.tcache_count", NULL,
				    HG_DEFAULT_TCACHE_COUNT, 0,
				    HG_MAX_TCACHE_COUNT, false },
	[HG_PARAM_TCACHE_UNSORTED_LIMIT] = { "glibc.malloc.tcache_unsorted_limit",
					     NULL, 0, 0, SIZE_MAX, false },
	[HG_PARAM_MXFAST] = { "glibc.malloc.mxfast", NULL, HG_DEFAULT_MXFAST, 0,
			      HG_MAX_MXFAST, false },
	[HG_PARAM_HUGETLB] = { "glibc.malloc.hugetlb", NULL, 0, 0, 2, false },
};

const char *hg_param_tunable_name(enum hg_param which)
{
	return (unsigned)which < HG_PARAM_COUNT ? hg_param_table[which].tunable
						: NULL;
}

const char *hg_param_env_name(enum hg_param which)
{
	return (unsigned)which < HG_PARAM_COUNT ? hg_param_table[which].env
						: NULL;
}

const char *hg_source_name(enum hg_source source)
{
	switch (source) {
	case HG_SOURCE_DEFAULT:
		return "default";
	case HG_SOURCE_MALLOC_ENV:
		return "MALLOC_*";
	case HG_SOURCE_TUNABLES:
		return "GLIBC_TUNABLES";
	case HG_SOURCE_HEAPGUARD_ENV:
		return "HEAPGUARD_OPTIONS";
	case HG_SOURCE_MALLOPT:
		return "mallopt";
	case HG_SOURCE_CONFIG_FILE:
		return HG_SECURE_CONFIG;
	}
	return "unknown";
}

void hg_params_defaults(struct hg_params *p)
{
	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		p->value[i] = hg_param_table[i].def;
		p->set[i] = false;
		p->source[i] = HG_SOURCE_DEFAULT;
	}
}

bool hg_params_set(struct hg_params *p, enum hg_param which, size_t value,
		   enum hg_source source)
{
	const struct hg_param_desc *d;

	if ((unsigned)which >= HG_PARAM_COUNT)
		return false;
	d = &hg_param_table[which];
	if (value < d->min || value > d->max)
		return false;
	p->value[which] = value;
	p->set[which] = true;
	p->source[which] = source;
	return true;
}

bool hg_params_no_dyn_threshold(const struct hg_params *p)
{
	for (int i = 0; i < HG_PARAM_COUNT; i++)
		if (hg_param_table[i].is_threshold && p->set[i])
			return true;
	return false;
}

/* A glibc number as the tunables parser reads it: blanks, an optional '+',
 * then decimal, 0x hexadecimal or 0-prefixed octal.  Stricter than glibc
 * 2.36, which reads "abc" as 0, "9x" as 9, "-1" and overflows as SIZE_MAX:
 * here empty, non-numeric, trailing junk, negative and overflowing values
 * are ignored, so a typo never turns into mmap_threshold=0. */
static bool hg_parse_glibc_number(const char *s, size_t *out)
{
	unsigned base = 10;
	size_t v = 0;
	bool any = false;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
		any = true; /* "0" alone */
		s++;
	}
	for (; *s != '\0'; s++) {
		unsigned d;
		char c = *s;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (d >= base)
			return false;
		if (v > (SIZE_MAX - d) / base)
			return false;
		v = v * base + d;
		any = true;
	}
	if (!any)
		return false;
	*out = v;
	return true;
}

/* The same, for a value ending at ':' or NUL inside GLIBC_TUNABLES. */
static bool hg_parse_glibc_span(const char *s, size_t n, size_t *out)
{
	char tmp[32];

	if (n >= sizeof(tmp))
		return false; /* no valid number is this long */
	for (size_t i = 0; i < n; i++)
		tmp[i] = s[i];
	tmp[n] = '\0';
	return hg_parse_glibc_number(tmp, out);
}

/* "NAME=value" when entry starts with name and '='. */
static const char *hg_env_value(const char *entry, const char *name)
{
	size_t n = hg_strlen(name);

	for (size_t i = 0; i < n; i++)
		if (entry[i] != name[i])
			return NULL;
	return entry[n] == '=' ? entry + n + 1 : NULL;
}

/* The first NAME= in envp (getenv's choice), or NULL. */
static const char *hg_env_find(char *const *envp, const char *name)
{
	for (; *envp != NULL; envp++) {
		const char *v = hg_env_value(*envp, name);

		if (v != NULL)
			return v;
	}
	return NULL;
}

/* GLIBC_TUNABLES as glibc 2.36's parse_tunables reads it: ':'-separated
 * name=value pairs; a pair without '=' is skipped, unknown names and other
 * namespaces are ignored silently, invalid values leave the old value. */
static void hg_apply_tunables(struct hg_params *p, const char *s)
{
	while (*s != '\0') {
		const char *name = s, *value, *end;
		size_t name_len = 0, value_len = 0;

		while (s[name_len] != '=' && s[name_len] != ':' &&
		       s[name_len] != '\0')
			name_len++;
		if (s[name_len] != '=') {
			s += name_len;
			if (*s == ':')
				s++;
			continue;
		}
		value = s + name_len + 1;
		while (value[value_len] != ':' && value[value_len] != '\0')
			value_len++;
		end = value + value_len;
		for (int i = 0; i < HG_PARAM_COUNT; i++) {
			const char *t = hg_param_table[i].tunable;
			size_t v;

			if (hg_strlen(t) != name_len || !hg_mem_eq(t, name, name_len))
				continue;
			if (hg_parse_glibc_span(value, value_len, &v))
				hg_params_set(p, (enum hg_param)i, v,
					      HG_SOURCE_TUNABLES);
			break;
		}
		s = *end == ':' ? end + 1 : end;
	}
}

/* ---- heapguard's options ---- */

static int hg_option_find(const char *name, size_t len)
{
	for (int i = 0; i < HG_OPTION_COUNT; i++) {
		const char *n = hg_option_table[i].name;

		if (hg_strlen(n) == len && hg_mem_eq(n, name, len))
			return i;
	}
	return -1;
}

int hg_option_count(void)
{
	return HG_OPTION_COUNT;
}

const char *hg_option_name(int i)
{
	return i >= 0 && i < HG_OPTION_COUNT ? hg_option_table[i].name : NULL;
}

bool hg_option_exists(const char *name, size_t len)
{
	return name != NULL && hg_option_find(name, len) >= 0;
}

/* The index-th name of "a|b|c", or NULL past the last one. */
static const char *hg_choice_at(const char *choices, long index, size_t *len)
{
	const char *p = choices;

	for (long k = 0; index >= 0; k++) {
		size_t n = 0;

		while (p[n] != '|' && p[n] != '\0')
			n++;
		if (k == index) {
			*len = n;
			return p;
		}
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	return NULL;
}

const char *hg_option_choice(int i, long value, size_t *len)
{
	const struct hg_option_desc *d;
	size_t n;
	const char *name;

	if (i < 0 || i >= HG_OPTION_COUNT)
		return NULL;
	d = &hg_option_table[i];
	if (d->type != HG_TYPE_ENUM || value < d->min || value > d->max)
		return NULL;
	name = hg_choice_at(d->choices, value, &n);
	if (name != NULL && len != NULL)
		*len = n;
	return name;
}

static void hg_options_defaults(struct hg_options *opts, enum hg_source *sources)
{
	for (int i = 0; i < HG_OPTION_COUNT; i++) {
		const struct hg_option_desc *d = &hg_option_table[i];
		char *field = (char *)opts + d->offset;

		switch (d->type) {
		case HG_TYPE_INT:
		case HG_TYPE_ENUM:
			*(long *)field = d->def_int;
			break;
		case HG_TYPE_BOOL:
			*(bool *)field = d->def_int != 0;
			break;
		case HG_TYPE_STRING: {
			size_t n = hg_strlen(d->def_string);

			for (size_t k = 0; k <= n; k++)
				field[k] = d->def_string[k];
			break;
		}
		}
		if (sources != NULL)
			sources[i] = HG_SOURCE_DEFAULT;
	}
}

/* An integer option: decimal or 0x hex, an optional k/m/g (KiB, MiB, GiB)
 * suffix, a '-' only where the range allows negatives.  NULL or a reason. */
static const char *hg_parse_int(const char *s, size_t n, long min, long max,
				long *out)
{
	unsigned long long v = 0, limit;
	unsigned base = 10, shift = 0;
	bool neg = false;
	size_t i = 0, digits = 0;

	if (n == 0)
		return "empty value";
	if (s[0] == '-' && min < 0) {
		neg = true;
		i++;
	}
	if (n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	for (; i < n; i++, digits++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		if (v > (ULLONG_MAX - d) / base)
			return "number too large";
		v = v * base + d;
	}
	if (digits == 0)
		return "not a number";
	if (i < n) {
		switch (s[i]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return "not a number";
		}
		if (++i < n)
			return "not a number";
		if (v > (ULLONG_MAX >> shift))
			return "number too large";
		v <<= shift;
	}
	limit = neg ? (unsigned long long)LONG_MAX + 1 : (unsigned long long)LONG_MAX;
	if (v > limit)
		return "number too large";
	if (neg) {
		long r = v == (unsigned long long)LONG_MAX + 1
				 ? -LONG_MAX - 1
				 : -(long)v;

		if (r < min)
			return "out of range";
		*out = r;
	} else {
		if ((long)v < min || (long)v > max)
			return "out of range";
		*out = (long)v;
	}
	return NULL;
}

static const char *hg_parse_bool(const char *s, size_t n, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (hg_word_eq_nocase(s, n, yes[i])) {
			*out = true;
			return NULL;
		}
		if (hg_word_eq_nocase(s, n, no[i])) {
			*out = false;
			return NULL;
		}
	}
	return n == 0 ? "empty value" : "not a boolean";
}

/* An enum option: one of its names (ignoring case) or its index. */
static const char *hg_parse_enum(const struct hg_option_desc *d, const char *s,
				 size_t n, long *out)
{
	const char *name;
	size_t len;

	if (n == 0)
		return "empty value";
	for (long k = 0; (name = hg_choice_at(d->choices, k, &len)) != NULL; k++) {
		if (hg_span_eq_nocase(s, n, name, len)) {
			*out = k;
			return NULL;
		}
	}
	if (hg_parse_int(s, n, d->min, d->max, out) == NULL)
		return NULL;
	return d->bad_choice;
}

/* One key=value token into opts; NULL or the reason it is bad. */
static const char *hg_parse_token(struct hg_options *opts,
				  enum hg_source *sources, enum hg_source source,
				  const char *tok, size_t n)
{
	const struct hg_option_desc *d;
	const char *value;
	size_t key_len = 0, value_len;
	char *field;
	int id;

	while (key_len < n && tok[key_len] != '=')
		key_len++;
	if (key_len == n)
		return "missing '='";
	if (key_len == 0)
		return "missing option name";
	id = hg_option_find(tok, key_len);
	if (id < 0)
		return "unknown option";
	d = &hg_option_table[id];
	field = (char *)opts + d->offset;
	value = tok + key_len + 1;
	value_len = n - key_len - 1;
	switch (d->type) {
	case HG_TYPE_INT: {
		long v;
		const char *why = hg_parse_int(value, value_len, d->min, d->max, &v);

		if (why != NULL)
			return why;
		*(long *)field = v;
		break;
	}
	case HG_TYPE_BOOL: {
		bool v;
		const char *why = hg_parse_bool(value, value_len, &v);

		if (why != NULL)
			return why;
		*(bool *)field = v;
		break;
	}
	case HG_TYPE_ENUM: {
		long v;
		const char *why = hg_parse_enum(d, value, value_len, &v);

		if (why != NULL)
			return why;
		*(long *)field = v;
		break;
	}
	case HG_TYPE_STRING:
		if (value_len == 0 && d->min > 0)
			return "empty value";
		if ((long)value_len < d->min)
			return "value too short";
		if ((long)value_len > d->max || value_len >= HG_OPTION_STRING_MAX)
			return "value too long";
		for (size_t k = 0; k < value_len; k++)
			field[k] = value[k];
		field[value_len] = '\0';
		break;
	}
	if (sources != NULL)
		sources[id] = source;
	return NULL;
}

/* hg_options_parse_ex, the values marked as coming from source. */
static int hg_options_parse_from(struct hg_options *opts,
				 enum hg_source *sources, enum hg_source source,
				 const char *str, struct hg_parse_error *err)
{
	struct hg_options tmp = *opts;
	enum hg_source tmp_sources[HG_OPTION_COUNT];
	const char *s = str;

	if (sources != NULL)
		for (int i = 0; i < HG_OPTION_COUNT; i++)
			tmp_sources[i] = sources[i];
	while (*s != '\0') {
		const char *tok = s, *why = NULL;
		size_t n = 0;

		/* Look no further than a token can usefully be: a megabyte
		 * of junk costs HG_TOKEN_MAX bytes of scanning, not more. */
		while (tok[n] != ':' && tok[n] != '\0' && n <= HG_TOKEN_MAX) {
			unsigned char c = (unsigned char)tok[n];

			if ((c < 0x20 || c == 0x7f) && why == NULL)
				why = "control character";
			n++;
		}
		if (n > HG_TOKEN_MAX)
			why = "token too long";
		if (why == NULL && n > 0)
			why = hg_parse_token(&tmp, tmp_sources, source, tok, n);
		if (why != NULL) {
			if (err != NULL) {
				err->token = tok;
				err->token_len = n;
				err->reason = why;
			}
			return -1;
		}
		s = tok[n] == ':' ? tok + n + 1 : tok + n;
	}
	*opts = tmp;
	if (sources != NULL)
		for (int i = 0; i < HG_OPTION_COUNT; i++)
			sources[i] = tmp_sources[i];
	return 0;
}

int hg_options_parse_ex(struct hg_options *opts, enum hg_source *sources,
			const char *str, struct hg_parse_error *err)
{
	return hg_options_parse_from(opts, sources, HG_SOURCE_HEAPGUARD_ENV, str,
				     err);
}

int hg_options_parse(struct hg_options *opts, enum hg_source *sources,
		     const char *str, char *bad, size_t bad_len)
{
	struct hg_parse_error err;

	if (hg_options_parse_ex(opts, sources, str, &err) == 0)
		return 0;
	if (bad != NULL && bad_len > 0) {
		size_t n = err.token_len < bad_len - 1 ? err.token_len : bad_len - 1;

		for (size_t i = 0; i < n; i++)
			bad[i] = err.token[i];
		bad[n] = '\0';
	}
	return -1;
}

/* "heapguard: ignoring WHAT: bad token '...' (reason)\n" */
static size_t hg_format_error(const char *what, const struct hg_parse_error *err,
			      char *buf, size_t len)
{
	struct hg_buf b = { buf, len, 0 };
	size_t n = err->token_len;

	if (len > 0)
		buf[0] = '\0';
	hg_buf_puts(&b, "heapguard: ignoring ");
	hg_buf_puts(&b, what);
	hg_buf_puts(&b, ": bad token '");
	hg_buf_put_escaped(&b, err->token,
			   n > HG_TOKEN_QUOTE_MAX ? HG_TOKEN_QUOTE_MAX : n);
	if (n > HG_TOKEN_QUOTE_MAX)
		hg_buf_puts(&b, "...");
	hg_buf_puts(&b, "' (");
	hg_buf_puts(&b, err->reason);
	hg_buf_puts(&b, ")");
	/* keep the newline even when truncated: the line stays a line */
	if (b.len > 0 && b.used + 1 >= b.len)
		b.used = b.len - 2;
	hg_buf_putc(&b, '\n');
	return b.used;
}

size_t hg_options_format_error(const struct hg_parse_error *err, char *buf,
			       size_t len)
{
	return hg_format_error("HEAPGUARD_OPTIONS", err, buf, len);
}

/* ---- loading ---- */

/* check= (from HEAPGUARD_OPTIONS or the configuration file) overrides
 * MALLOC_CHECK_; otherwise the option mirrors the glibc parameter, so both
 * say the same policy. */
static void hg_config_sync_check(struct hg_config *cfg)
{
	enum hg_source src = cfg->option_source[HG_OPTION_ID_check];

	if (src == HG_SOURCE_HEAPGUARD_ENV || src == HG_SOURCE_CONFIG_FILE) {
		hg_params_set(&cfg->params, HG_PARAM_CHECK,
			      (size_t)cfg->options.check, src);
	} else {
		cfg->options.check = (long)cfg->params.value[HG_PARAM_CHECK];
		cfg->option_source[HG_OPTION_ID_check] =
			cfg->params.source[HG_PARAM_CHECK];
	}
}

void hg_config_load(struct hg_config *cfg, char *const *envp, bool secure)
{
	const char *value;

	hg_params_defaults(&cfg->params);
	hg_options_defaults(&cfg->options, cfg->option_source);
	/* AT_SECURE: glibc ignores these variables in set-user-ID programs. */
	if (envp == NULL || secure)
		goto done;
	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		size_t v;

		if (hg_param_table[i].env == NULL)
			continue;
		value = hg_env_find(envp, hg_param_table[i].env);
		if (value != NULL && hg_parse_glibc_number(value, &v))
			hg_params_set(&cfg->params, (enum hg_param)i, v,
				      HG_SOURCE_MALLOC_ENV);
	}
	/* Every GLIBC_TUNABLES entry, in order: the last one wins, as in glibc. */
	for (char *const *e = envp; *e != NULL; e++) {
		value = hg_env_value(*e, "GLIBC_TUNABLES");
		if (value != NULL)
			hg_apply_tunables(&cfg->params, value);
	}
	value = hg_env_find(envp, "HEAPGUARD_OPTIONS");
	if (value != NULL) {
		struct hg_parse_error err;

		if (hg_options_parse_ex(&cfg->options, cfg->option_source, value,
					&err) != 0) {
			char line[256];
			size_t n = hg_options_format_error(&err, line, sizeof(line));

			hg_write_all(2, line, n);
		}
	}
done:
	hg_config_sync_check(cfg);
}

/* The variables hg_config_load reads. */
static bool hg_env_wanted(const char *entry)
{
	static const char *const prefixes[] = { "MALLOC_", "GLIBC_TUNABLES=",
						"HEAPGUARD_OPTIONS=" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		const char *p = prefixes[i];
		size_t k = 0;

		while (p[k] != '\0' && entry[k] == p[k])
			k++;
		if (p[k] == '\0')
			return true;
	}
	return false;
}

size_t hg_env_read(int fd, char *buf, size_t len, char **envp, size_t slots)
{
	char chunk[512];
	size_t start = 0, pos = 0, count = 0;
	bool skipping = false; /* the current entry did not fit: drop it */
	ssize_t got;

	if (slots == 0)
		return 0;
	while ((got = read(fd, chunk, sizeof(chunk))) > 0) {
		for (ssize_t i = 0; i < got; i++) {
			char c = chunk[i];

			if (skipping) {
				skipping = c != '\0';
				continue;
			}
			if (pos >= len) {
				/* never a truncated entry: "report=/tmp/x/y"
				 * cut short is a valid, wrong option */
				skipping = c != '\0';
				pos = start;
				continue;
			}
			buf[pos++] = c;
			if (c != '\0')
				continue;
			if (count + 1 < slots && hg_env_wanted(buf + start)) {
				envp[count++] = buf + start;
				start = pos;
			} else {
				pos = start;
			}
		}
	}
	/* an unterminated last entry is dropped the same way */
	envp[count] = NULL;
	return count;
}

/* Reads the configuration file of secure mode into out as an option string
 * ("a=1:b=2"): one or more options a line, blanks around a line ignored,
 * lines starting with '#' are comments.  NULL or why it is not trusted. */
static const char *hg_config_file_read(const char *path, char *out, size_t len)
{
	static char raw[HG_CONFIG_FILE_MAX + 1];
	size_t n = 0, o = 0;
	struct stat st;
	ssize_t got;
	int fd;

	/* O_NOFOLLOW: a symbolic link is not a root-owned file; O_NONBLOCK: a
	 * FIFO must not hang the program. */
	out[0] = '\0';
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return NULL; /* no file: nothing to apply */
	if (fd < 0)
		return errno == ELOOP ? "a symbolic link" : "cannot be opened";
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return "not a regular file";
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		close(fd);
		return "not owned by root or writable by others than root";
	}
	while (n < sizeof(raw) && (got = read(fd, raw + n, sizeof(raw) - n)) > 0)
		n += (size_t)got;
	close(fd);
	if (n > HG_CONFIG_FILE_MAX)
		return "larger than 4096 bytes";
	for (size_t i = 0; i < n;) {
		size_t end = i, a, b;

		while (end < n && raw[end] != '\n')
			end++;
		a = i;
		b = end;
		while (a < b && (raw[a] == ' ' || raw[a] == '\t'))
			a++;
		while (b > a && (raw[b - 1] == ' ' || raw[b - 1] == '\t' ||
				 raw[b - 1] == '\r'))
			b--;
		if (a < b && raw[a] != '#') {
			if (o > 0 && o < len - 1)
				out[o++] = ':';
			while (a < b && o < len - 1)
				out[o++] = raw[a++];
		}
		i = end + 1;
	}
	out[o] = '\0';
	return NULL;
}

void hg_config_load_secure(struct hg_config *cfg, const char *path)
{
	static char text[HG_CONFIG_FILE_MAX + 1];
	char line[HG_TOKEN_QUOTE_MAX * 4 + 256];
	struct hg_buf b = { line, sizeof(line), 0 };
	struct hg_parse_error err;
	const char *why;

	/* The program's user chose none of this: no report file unless the
	 * administrator asks for one.  Every option that makes heapguard
	 * write a file by default belongs here (log= is empty already). */
	cfg->options.leaks = false;
	cfg->options.frag = false;
	cfg->options.report_on_crash = false;
	if (path == NULL)
		return;
	why = hg_config_file_read(path, text, sizeof(text));
	if (why == NULL) {
		if (hg_options_parse_from(&cfg->options, cfg->option_source,
					  HG_SOURCE_CONFIG_FILE, text, &err) == 0) {
			hg_config_sync_check(cfg);
			return;
		}
		hg_write_all(2, line, hg_format_error(path, &err, line, sizeof(line)));
		return;
	}
	hg_buf_puts(&b, "heapguard: ignoring ");
	hg_buf_put_escaped(&b, path, hg_strlen(path));
	hg_buf_puts(&b, ": ");
	hg_buf_puts(&b, why);
	hg_buf_putc(&b, '\n');
	hg_write_all(2, line, b.used);
}

/* ---- printing ---- */

/* which: the glibc parameter the value belongs to, or -1 for none. */
static void hg_put_source(struct hg_buf *b, enum hg_source source, int which)
{
	if (source == HG_SOURCE_MALLOC_ENV && which >= 0 &&
	    which < HG_PARAM_COUNT && hg_param_table[which].env != NULL)
		hg_buf_puts(b, hg_param_table[which].env);
	else
		hg_buf_puts(b, hg_source_name(source));
}

/* An enum's value by name; a number only if it is none of them. */
static void hg_buf_put_choice(struct hg_buf *b, int option, long value)
{
	size_t n;
	const char *name = hg_option_choice(option, value, &n);

	if (name == NULL) {
		hg_buf_puti(b, value);
		return;
	}
	while (n-- > 0)
		hg_buf_putc(b, *name++);
}

void hg_config_print(const struct hg_config *cfg, int fd)
{
	char line[HG_OPTION_STRING_MAX * 4 + 128];

	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		struct hg_buf b = { line, sizeof(line), 0 };

		hg_buf_puts(&b, "heapguard: ");
		hg_buf_puts(&b, hg_param_table[i].tunable);
		hg_buf_puts(&b, " = ");
		hg_buf_putu(&b, cfg->params.value[i]);
		hg_buf_puts(&b, " (");
		hg_put_source(&b, cfg->params.source[i], i);
		hg_buf_puts(&b, ")\n");
		hg_write_all(fd, line, b.used);
	}
	for (int i = 0; i < HG_OPTION_COUNT; i++) {
		const struct hg_option_desc *d = &hg_option_table[i];
		const char *field = (const char *)&cfg->options + d->offset;
		struct hg_buf b = { line, sizeof(line), 0 };
		enum hg_source src = cfg->option_source[i];

		hg_buf_puts(&b, "heapguard: ");
		hg_buf_puts(&b, d->name);
		hg_buf_puts(&b, " = ");
		switch (d->type) {
		case HG_TYPE_INT:
			hg_buf_puti(&b, *(const long *)field);
			break;
		case HG_TYPE_BOOL:
			hg_buf_putc(&b, *(const bool *)field ? '1' : '0');
			break;
		case HG_TYPE_STRING:
			hg_buf_putc(&b, '"');
			hg_buf_put_escaped(&b, field, hg_strlen(field));
			hg_buf_putc(&b, '"');
			break;
		case HG_TYPE_ENUM:
			hg_buf_put_choice(&b, i, *(const long *)field);
			break;
		}
		hg_buf_puts(&b, " (");
		/* the check option may come from MALLOC_CHECK_ */
		hg_put_source(&b, src, i == HG_OPTION_ID_check ? HG_PARAM_CHECK : -1);
		hg_buf_puts(&b, ")\n");
		hg_write_all(fd, line, b.used);
	}
}

void hg_options_help(int fd)
{
	char line[512];

	for (int i = 0; i < HG_OPTION_COUNT; i++) {
		const struct hg_option_desc *d = &hg_option_table[i];
		struct hg_buf b = { line, sizeof(line), 0 };

		hg_buf_puts(&b, d->name);
		for (size_t k = hg_strlen(d->name); k < 16; k++)
			hg_buf_putc(&b, ' ');
		hg_buf_puts(&b, d->type_name);
		for (size_t k = hg_strlen(d->type_name); k < 8; k++)
			hg_buf_putc(&b, ' ');
		if (d->type == HG_TYPE_STRING) {
			hg_buf_putc(&b, '"');
			hg_buf_puts(&b, d->def_string);
			hg_buf_putc(&b, '"');
		} else if (d->type == HG_TYPE_ENUM) {
			hg_buf_put_choice(&b, i, d->def_int);
		} else {
			hg_buf_puti(&b, d->def_int);
		}
		hg_buf_puts(&b, "  [");
		if (d->type == HG_TYPE_ENUM) {
			hg_buf_puts(&b, d->choices);
		} else {
			hg_buf_puti(&b, d->min);
			hg_buf_puts(&b, "..");
			hg_buf_puti(&b, d->max);
		}
		hg_buf_puts(&b, d->type == HG_TYPE_STRING ? " bytes]  " : "]  ");
		hg_buf_puts(&b, d->help);
		hg_buf_putc(&b, '\n');
		hg_write_all(fd, line, b.used);
	}
}
