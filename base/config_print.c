/* SPDX-License-Identifier: MIT */
/* Printing the configuration: the effective values and their sources
 * (verbose=1) and the tables themselves (`heapguard --help-options`).
 * Every line is built in a fixed buffer and written with write(2): verbose=1
 * prints from inside the first malloc call. */
#include "config_internal.h"

#include <stdint.h>

/* which: the glibc parameter the value belongs to, or -1 for none. */
static void hg_put_source(struct hg_cfg_buf *b, enum hg_source source, int which)
{
	if (source == HG_SOURCE_MALLOC_ENV && which >= 0 && which < HG_PARAM_COUNT &&
	    hg_param_table[which].env != NULL)
		hg_cfg_puts(b, hg_param_table[which].env);
	else
		hg_cfg_puts(b, hg_source_name(source));
}

/* An enum's value by name; a number only if it is none of them. */
static void hg_put_choice(struct hg_cfg_buf *b, int option, long value)
{
	size_t n;
	const char *name = hg_option_choice(option, value, &n);

	if (name == NULL)
		hg_cfg_puti(b, value);
	else
		hg_cfg_putn(b, name, n);
}

void hg_config_print(const struct hg_config *cfg, int fd)
{
	char line[HG_OPTION_STRING_MAX * 4 + 128];

	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		struct hg_cfg_buf b = { line, sizeof(line), 0 };

		hg_cfg_puts(&b, "heapguard: ");
		hg_cfg_puts(&b, hg_param_table[i].tunable);
		hg_cfg_puts(&b, " = ");
		hg_cfg_putu(&b, cfg->params.value[i]);
		hg_cfg_puts(&b, " (");
		hg_put_source(&b, cfg->params.source[i], i);
		hg_cfg_puts(&b, ")\n");
		hg_cfg_write(fd, line, b.used);
	}
	for (int i = 0; i < HG_OPTION_COUNT; i++) {
		const struct hg_option_desc *d = &hg_option_table[i];
		const char *field = (const char *)&cfg->options + d->offset;
		struct hg_cfg_buf b = { line, sizeof(line), 0 };

		hg_cfg_puts(&b, "heapguard: ");
		hg_cfg_puts(&b, d->name);
		hg_cfg_puts(&b, " = ");
		switch (d->type) {
		case HG_TYPE_INT:
			hg_cfg_puti(&b, *(const long *)field);
			break;
		case HG_TYPE_BOOL:
			hg_cfg_putc(&b, *(const bool *)field ? '1' : '0');
			break;
		case HG_TYPE_STRING:
		case HG_TYPE_SIGNAL:
			hg_cfg_putc(&b, '"');
			hg_cfg_put_escaped(&b, field, hg_cfg_strlen(field));
			hg_cfg_putc(&b, '"');
			break;
		case HG_TYPE_ENUM:
			hg_put_choice(&b, i, *(const long *)field);
			break;
		}
		hg_cfg_puts(&b, " (");
		/* the check option may come from MALLOC_CHECK_ */
		hg_put_source(&b, cfg->option_source[i],
			      i == HG_OPTION_ID_check ? HG_PARAM_CHECK : -1);
		hg_cfg_puts(&b, ")\n");
		hg_cfg_write(fd, line, b.used);
	}
}

/* NAME and TYPE in their columns (a longer name pushes TYPE right). */
static void hg_put_name_type(struct hg_cfg_buf *b, const char *name, const char *type)
{
	hg_cfg_puts(b, name);
	hg_cfg_putc(b, ' ');
	for (size_t k = hg_cfg_strlen(name) + 1; k < 16; k++)
		hg_cfg_putc(b, ' ');
	hg_cfg_puts(b, type);
	for (size_t k = hg_cfg_strlen(type); k < 8; k++)
		hg_cfg_putc(b, ' ');
}

void hg_options_help(int fd)
{
	char line[512];

	for (int i = 0; i < HG_OPTION_COUNT; i++) {
		const struct hg_option_desc *d = &hg_option_table[i];
		struct hg_cfg_buf b = { line, sizeof(line), 0 };

		hg_put_name_type(&b, d->name, d->type_name);
		if (d->type == HG_TYPE_STRING || d->type == HG_TYPE_SIGNAL) {
			hg_cfg_putc(&b, '"');
			hg_cfg_puts(&b, d->def_string);
			hg_cfg_putc(&b, '"');
		} else if (d->type == HG_TYPE_ENUM) {
			hg_put_choice(&b, i, d->def_int);
		} else {
			hg_cfg_puti(&b, d->def_int);
		}
		hg_cfg_puts(&b, "  [");
		if (d->type == HG_TYPE_ENUM) {
			hg_cfg_puts(&b, d->choices);
		} else {
			hg_cfg_puti(&b, d->min);
			hg_cfg_puts(&b, "..");
			hg_cfg_puti(&b, d->max);
		}
		hg_cfg_puts(&b, d->type == HG_TYPE_STRING || d->type == HG_TYPE_SIGNAL ? " bytes]  "
										       : "]  ");
		hg_cfg_puts(&b, d->help);
		hg_cfg_putc(&b, '\n');
		hg_cfg_write(fd, line, b.used);
	}
}

void hg_params_help(int fd)
{
	char line[512];

	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		const struct hg_param_desc *d = &hg_param_table[i];
		struct hg_cfg_buf b = { line, sizeof(line), 0 };

		/* check= is heapguard's option, which overrides the parameter */
		if (hg_option_exists(d->name, hg_cfg_strlen(d->name)))
			continue;
		hg_put_name_type(&b, d->name, "number");
		hg_cfg_putu(&b, d->def);
		hg_cfg_puts(&b, "  [");
		hg_cfg_putu(&b, d->min);
		hg_cfg_puts(&b, "..");
		if (d->max == SIZE_MAX)
			hg_cfg_puts(&b, "SIZE_MAX");
		else
			hg_cfg_putu(&b, d->max);
		hg_cfg_puts(&b, "]  ");
		hg_cfg_puts(&b, d->tunable);
		if (d->env != NULL) {
			hg_cfg_puts(&b, ", ");
			hg_cfg_puts(&b, d->env);
		}
		hg_cfg_puts(&b, ": ");
		hg_cfg_puts(&b, d->help);
		hg_cfg_putc(&b, '\n');
		hg_cfg_write(fd, line, b.used);
	}
}

void hg_options_help_values(int fd)
{
	static const char text[] =
		"Values:\n"
		"  int     decimal, or hexadecimal after 0x, with an optional K, M or G suffix\n"
		"          (KiB, MiB, GiB) in either case\n"
		"  bool    1, true, yes, on or 0, false, no, off, in any case\n"
		"  enum    one of its names, in any case, or its index from 0\n"
		"  string  any bytes but ':' and control characters\n"
		"  signal  a name with or without SIG, in any case (SIGUSR2, usr2, RTMIN+3,\n"
		"          RTMAX-1), or a number; not SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGFPE,\n"
		"          SIGILL or the C library's own real-time signals\n"
		"  number  as glibc reads it: decimal, hexadecimal after 0x or octal after 0,\n"
		"          without a suffix\n";

	hg_cfg_write(fd, text, sizeof(text) - 1);
}
