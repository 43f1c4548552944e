/* SPDX-License-Identifier: MIT */
/* What the configuration's own files share (params.c, options.c, config.c,
 * config_print.c) and no other file includes: the two tables, and the few
 * byte helpers they need instead of libc's, which may not be initialised
 * when the first malloc call loads the configuration. */
#ifndef HG_CONFIG_INTERNAL_H
#define HG_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <unistd.h>

#include "options.h"

/* One line of params.def. */
struct hg_param_desc {
	const char *name;	   /* "top_pad" */
	const char *tunable;	   /* "glibc.malloc.top_pad" */
	const char *env;	   /* "MALLOC_TOP_PAD_", or NULL */
	size_t def, min, max;	   /* glibc ignores values outside min..max */
	bool dyn;		   /* setting it stops the dynamic threshold */
	int mallopt;		   /* M_* number, 0 for none */
	enum hg_mallopt_rule rule; /* how mallopt reads its int */
	const char *help;
};
extern const struct hg_param_desc hg_param_table[HG_PARAM_COUNT];

/* One line of options.def. */
struct hg_option_desc {
	const char *name;
	enum hg_option_type type;
	const char *type_name;
	long def_int;		/* INT, BOOL and ENUM (an index) */
	const char *def_string; /* STRING and SIGNAL */
	long min, max;		/* value range; length range for STRING and SIGNAL */
	const char *choices;	/* ENUM: "name|name|..."; "" otherwise */
	const char *bad_choice; /* ENUM: the reason for a value not in it */
	const char *help;
	size_t offset; /* of the field in struct hg_options */
};
extern const struct hg_option_desc hg_option_table[HG_OPTION_COUNT];

/* Bytes of a bad token quoted in a warning, and the most warning lines one
 * option string may cause (the rest are counted in one more line). */
#define HG_TOKEN_QUOTE_MAX  48
#define HG_OPTIONS_WARN_MAX 10

static inline size_t hg_cfg_strlen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

static inline bool hg_cfg_mem_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* s[0..n) is word[0..wlen), ignoring ASCII case in s (word is lowercase). */
static inline bool hg_cfg_span_eq(const char *s, size_t n, const char *word, size_t wlen)
{
	if (n != wlen)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != word[i])
			return false;
	}
	return true;
}

/* s[0..n) is the NUL-terminated lowercase word, ignoring case in s. */
static inline bool hg_cfg_word_eq(const char *s, size_t n, const char *word)
{
	return hg_cfg_span_eq(s, n, word, hg_cfg_strlen(word));
}

static inline void hg_cfg_write(int fd, const char *buf, size_t len)
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
struct hg_cfg_buf {
	char *p;
	size_t len, used;
};

static inline void hg_cfg_putc(struct hg_cfg_buf *b, char c)
{
	if (b->used + 1 < b->len)
		b->p[b->used++] = c;
	if (b->len > 0)
		b->p[b->used] = '\0';
}

static inline void hg_cfg_putn(struct hg_cfg_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hg_cfg_putc(b, s[i]);
}

static inline void hg_cfg_puts(struct hg_cfg_buf *b, const char *s)
{
	while (*s != '\0')
		hg_cfg_putc(b, *s++);
}

static inline void hg_cfg_putu(struct hg_cfg_buf *b, unsigned long long v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		hg_cfg_putc(b, digits[--n]);
}

static inline void hg_cfg_puti(struct hg_cfg_buf *b, long v)
{
	if (v < 0) {
		hg_cfg_putc(b, '-');
		hg_cfg_putu(b, -(unsigned long long)v);
	} else {
		hg_cfg_putu(b, (unsigned long long)v);
	}
}

/* Ends the text with a newline even when it was cut short: a warning stays
 * one line. */
static inline void hg_cfg_put_newline(struct hg_cfg_buf *b)
{
	if (b->len > 1 && b->used + 1 >= b->len)
		b->used = b->len - 2;
	hg_cfg_putc(b, '\n');
}

/* Bytes quoted so that a hostile string stays one short printable line. */
void hg_cfg_put_escaped(struct hg_cfg_buf *b, const char *s, size_t n);

/* "bad token 'TOKEN' (REASON)", the token cut after HG_TOKEN_QUOTE_MAX
 * bytes and escaped. */
void hg_cfg_put_bad_token(struct hg_cfg_buf *b, const struct hg_parse_error *err);

#endif
