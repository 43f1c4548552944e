/* SPDX-License-Identifier: MIT */
/* heapguard's own options: the table built from options.def and the parser
 * of option strings (HEAPGUARD_OPTIONS, /etc/heapguard.conf, the launcher's
 * command line), one token at a time: a bad token is reported and changes
 * nothing, every good one applies.  Each value syntax is parsed here once,
 * for the library and the launcher alike; bytes are parsed by hand. */
#include "config_internal.h"

#include <limits.h>
#include <signal.h>

#define HG_DEF_HG_TYPE_INT(def) .def_int = (def), .def_string = NULL
#define HG_DEF_HG_TYPE_BOOL(def) .def_int = (def), .def_string = NULL
#define HG_DEF_HG_TYPE_STRING(def) .def_int = 0, .def_string = (def)
#define HG_DEF_HG_TYPE_ENUM(def) .def_int = (def), .def_string = NULL
#define HG_DEF_HG_TYPE_SIGNAL(def) .def_int = 0, .def_string = (def)
#define HG_TYPENAME_HG_TYPE_INT "int"
#define HG_TYPENAME_HG_TYPE_BOOL "bool"
#define HG_TYPENAME_HG_TYPE_STRING "string"
#define HG_TYPENAME_HG_TYPE_ENUM "enum"
#define HG_TYPENAME_HG_TYPE_SIGNAL "signal"

const struct hg_option_desc hg_option_table[HG_OPTION_COUNT] = {
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
 * checked by the unit test: C11 cannot count the '|' at compile time.)  A
 * string's or a signal's longest value fits its field with the NUL. */
#define HG_OPTION(oname, otype, odef, omin, omax, ochoices, ohelp)                       \
	_Static_assert((otype == HG_TYPE_ENUM) == (sizeof(ochoices) > 1),                \
		       #oname ": choices are for HG_TYPE_ENUM options only");            \
	_Static_assert(otype != HG_TYPE_ENUM || ((omin) == 0 && (omax) >= 0),            \
		       #oname ": an enum's range is 0..choices-1");                      \
	_Static_assert(otype != HG_TYPE_ENUM || (HG_DEF_INDEX_##otype(odef) >= (omin) && \
						 HG_DEF_INDEX_##otype(odef) <= (omax)),  \
		       #oname ": the default is not one of the choices");                \
	_Static_assert((otype != HG_TYPE_STRING && otype != HG_TYPE_SIGNAL) ||           \
			       (omax) < HG_OPTION_STRING_MAX,                            \
		       #oname ": the longest value does not fit the field");
#define HG_DEF_INDEX_HG_TYPE_INT(def) 0
#define HG_DEF_INDEX_HG_TYPE_BOOL(def) 0
#define HG_DEF_INDEX_HG_TYPE_STRING(def) 0
#define HG_DEF_INDEX_HG_TYPE_ENUM(def) (def)
#define HG_DEF_INDEX_HG_TYPE_SIGNAL(def) 0
#include "options.def"
#undef HG_OPTION

/* Longest token worth looking at: a key, '=', the longest value. */
#define HG_TOKEN_MAX (HG_OPTION_STRING_MAX + 64)

/* ---- the table ---- */

/* The option called name[0..len), or -1. */
static int hg_option_find(const char *name, size_t len)
{
	if (name == NULL)
		return -1;
	for (int i = 0; i < HG_OPTION_COUNT; i++) {
		const char *n = hg_option_table[i].name;

		if (hg_cfg_strlen(n) == len && hg_cfg_mem_eq(n, name, len))
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
	return hg_option_find(name, len) >= 0;
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

/* ---- value syntaxes ---- */

/* An integer option: decimal or 0x hex, an optional K, M or G suffix (KiB,
 * MiB, GiB; either case), a '-' only where the range allows negatives.
 * NULL or a reason. */
static const char *hg_parse_int(const char *s, size_t n, long min, long max, long *out)
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
		long r = v == (unsigned long long)LONG_MAX + 1 ? -LONG_MAX - 1 : -(long)v;

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

/* 1, true, yes, on / 0, false, no, off, in any case. */
static const char *hg_parse_bool(const char *s, size_t n, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (hg_cfg_word_eq(s, n, yes[i])) {
			*out = true;
			return NULL;
		}
		if (hg_cfg_word_eq(s, n, no[i])) {
			*out = false;
			return NULL;
		}
	}
	return n == 0 ? "empty value" : "not a boolean";
}

/* An enum option: one of its names (ignoring case) or its index. */
static const char *hg_parse_enum(const struct hg_option_desc *d, const char *s, size_t n, long *out)
{
	const char *name;
	size_t len;

	if (n == 0)
		return "empty value";
	for (long k = 0; (name = hg_choice_at(d->choices, k, &len)) != NULL; k++) {
		if (hg_cfg_span_eq(s, n, name, len)) {
			*out = k;
			return NULL;
		}
	}
	if (hg_parse_int(s, n, d->min, d->max, out) == NULL)
		return NULL;
	return d->bad_choice;
}

/* Linux's signal names without "SIG", as kill -l prints them. */
static const struct {
	const char *name;
	int number;
} hg_signal_names[] = {
	{ "hup", SIGHUP },	 { "int", SIGINT },   { "quit", SIGQUIT },     { "ill", SIGILL },
	{ "trap", SIGTRAP },	 { "abrt", SIGABRT }, { "iot", SIGIOT },       { "bus", SIGBUS },
	{ "fpe", SIGFPE },	 { "kill", SIGKILL }, { "usr1", SIGUSR1 },     { "segv", SIGSEGV },
	{ "usr2", SIGUSR2 },	 { "pipe", SIGPIPE }, { "alrm", SIGALRM },     { "term", SIGTERM },
	{ "stkflt", SIGSTKFLT }, { "chld", SIGCHLD }, { "cont", SIGCONT },     { "stop", SIGSTOP },
	{ "tstp", SIGTSTP },	 { "ttin", SIGTTIN }, { "ttou", SIGTTOU },     { "urg", SIGURG },
	{ "xcpu", SIGXCPU },	 { "xfsz", SIGXFSZ }, { "vtalrm", SIGVTALRM }, { "prof", SIGPROF },
	{ "winch", SIGWINCH },	 { "io", SIGIO },     { "poll", SIGPOLL },     { "pwr", SIGPWR },
	{ "sys", SIGSYS },
};

/* Decimal digits s[0..n) as a small number, or -1. */
static int hg_small_number(const char *s, size_t n)
{
	int v = 0;

	if (n == 0 || n > 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* s[0..n) starts with the lowercase word, ignoring case. */
static bool hg_starts_with(const char *s, size_t n, const char *word)
{
	size_t k = hg_cfg_strlen(word);

	return n >= k && hg_cfg_word_eq(s, k, word);
}

int hg_signal_parse(const char *s, size_t n, const char **why)
{
	int sig = -1;

	if (hg_starts_with(s, n, "sig")) {
		s += 3;
		n -= 3;
	}
	if (n > 0 && s[0] >= '0' && s[0] <= '9') {
		sig = hg_small_number(s, n);
	} else if (hg_starts_with(s, n, "rtmin")) {
		int k = n == 5 ? 0 : s[5] == '+' ? hg_small_number(s + 6, n - 6) : -1;

		if (k >= 0 && k <= SIGRTMAX - SIGRTMIN)
			sig = SIGRTMIN + k;
	} else if (hg_starts_with(s, n, "rtmax")) {
		int k = n == 5 ? 0 : s[5] == '-' ? hg_small_number(s + 6, n - 6) : -1;

		if (k >= 0 && k <= SIGRTMAX - SIGRTMIN)
			sig = SIGRTMAX - k;
	} else {
		for (size_t i = 0; i < sizeof(hg_signal_names) / sizeof(hg_signal_names[0]); i++)
			if (hg_cfg_word_eq(s, n, hg_signal_names[i].name))
				sig = hg_signal_names[i].number;
	}
	if (sig <= 0 || sig > SIGRTMAX) {
		*why = "unknown signal";
		return 0;
	}
	if (sig == SIGKILL || sig == SIGSTOP) {
		*why = "signal cannot be caught";
		return 0;
	}
	/* A handler that returns from these re-runs the faulting instruction:
	 * the program would loop instead of crashing (report_on_crash is the
	 * option for them). */
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL) {
		*why = "fault signal";
		return 0;
	}
	/* glibc keeps the first real-time signals for its threads. */
	if (sig > SIGSYS && sig < SIGRTMIN) {
		*why = "signal reserved by the C library";
		return 0;
	}
	return sig;
}

/* A string or signal option: length within min..max, no ':' or control
 * character (the tokenizer has seen to those). */
static const char *hg_parse_string(const struct hg_option_desc *d, const char *s, size_t n,
				   char *field)
{
	if (n == 0 && d->min > 0)
		return "empty value";
	if ((long)n < d->min)
		return "value too short";
	if ((long)n > d->max || n >= HG_OPTION_STRING_MAX)
		return "value too long";
	if (d->type == HG_TYPE_SIGNAL && n > 0) {
		const char *why;

		if (hg_signal_parse(s, n, &why) == 0)
			return why;
	}
	for (size_t k = 0; k < n; k++)
		field[k] = s[k];
	field[n] = '\0';
	return NULL;
}

/* ---- option strings ---- */

/* "level=full,leaks=0": a ',' then a known option's name and '=' in a
 * value.  A string option would take it whole and an enum one would reject
 * it for a reason that hides the real one: the separator is ':'. */
static bool hg_comma_separated(const char *value, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = i + 1;

		if (value[i] != ',')
			continue;
		while (k < n && value[k] != '=' && value[k] != ',')
			k++;
		if (k < n && value[k] == '=' && hg_option_find(value + i + 1, k - i - 1) >= 0)
			return true;
	}
	return false;
}

/* One key=value token into opts; NULL or the reason it is bad (then opts
 * is unchanged). */
static const char *hg_parse_token(struct hg_options *opts, const char *tok, size_t n, int *id_out)
{
	const struct hg_option_desc *d;
	const char *value, *why = NULL;
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
	if (hg_comma_separated(value, value_len))
		return "options are separated by ':', not ','";
	switch (d->type) {
	case HG_TYPE_INT: {
		long v;

		why = hg_parse_int(value, value_len, d->min, d->max, &v);
		if (why == NULL)
			*(long *)field = v;
		break;
	}
	case HG_TYPE_BOOL: {
		bool v;

		why = hg_parse_bool(value, value_len, &v);
		if (why == NULL)
			*(bool *)field = v;
		break;
	}
	case HG_TYPE_ENUM: {
		long v;

		why = hg_parse_enum(d, value, value_len, &v);
		if (why == NULL)
			*(long *)field = v;
		break;
	}
	case HG_TYPE_STRING:
	case HG_TYPE_SIGNAL:
		why = hg_parse_string(d, value, value_len, field);
		break;
	}
	*id_out = id;
	return why;
}

size_t hg_options_parse(struct hg_options *opts, enum hg_source *sources, enum hg_source source,
			const char *str, hg_parse_error_fn *on_error, void *arg)
{
	const char *s = str;
	size_t bad = 0;

	while (*s != '\0') {
		const char *tok = s, *why = NULL;
		size_t n = 0;
		int id = -1;

		while (tok[n] != ':' && tok[n] != '\0') {
			unsigned char c = (unsigned char)tok[n];

			if ((c < 0x20 || c == 0x7f) && why == NULL)
				why = "control character";
			n++;
		}
		if (n > HG_TOKEN_MAX)
			why = "token too long";
		if (why == NULL && n > 0)
			why = hg_parse_token(opts, tok, n, &id);
		if (why != NULL) {
			struct hg_parse_error err = { tok, n, why };

			bad++;
			if (on_error != NULL)
				on_error(arg, &err);
		} else if (id >= 0 && sources != NULL) {
			sources[id] = source;
		}
		s = tok[n] == ':' ? tok + n + 1 : tok + n;
	}
	return bad;
}

/* ---- describing a bad token ---- */

void hg_cfg_put_escaped(struct hg_cfg_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'') {
			hg_cfg_putc(b, '\\');
			hg_cfg_putc(b, 'x');
			hg_cfg_putc(b, hex[c >> 4]);
			hg_cfg_putc(b, hex[c & 15]);
		} else {
			hg_cfg_putc(b, (char)c);
		}
	}
}

void hg_cfg_put_bad_token(struct hg_cfg_buf *b, const struct hg_parse_error *err)
{
	size_t n = err->token_len;

	hg_cfg_puts(b, "bad token '");
	hg_cfg_put_escaped(b, err->token, n > HG_TOKEN_QUOTE_MAX ? HG_TOKEN_QUOTE_MAX : n);
	if (n > HG_TOKEN_QUOTE_MAX)
		hg_cfg_puts(b, "...");
	hg_cfg_puts(b, "' (");
	hg_cfg_puts(b, err->reason);
	hg_cfg_putc(b, ')');
}

size_t hg_parse_error_text(const struct hg_parse_error *err, char *buf, size_t len)
{
	struct hg_cfg_buf b = { buf, len, 0 };

	if (len > 0)
		buf[0] = '\0';
	hg_cfg_put_bad_token(&b, err);
	return b.used;
}
