/* SPDX-License-Identifier: MIT */
/* Loading the configuration: defaults, then the environment (MALLOC_*,
 * GLIBC_TUNABLES, HEAPGUARD_OPTIONS, read from /proc/self/environ when libc
 * has not set environ yet) or, in AT_SECURE processes, /etc/heapguard.conf.
 * Runs inside the first malloc call: no allocation, no stdio, no getenv;
 * warnings go out with write(2), one line each. */
#include "compiler.h"
#include "config_internal.h"
#include "glob.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

HG_START_STATE struct hg_config hg_config;

/* "NAME=value" when entry starts with name and '='. */
static const char *hg_env_value(const char *entry, const char *name)
{
	size_t n = hg_cfg_strlen(name);

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
		case HG_TYPE_STRING:
		case HG_TYPE_SIGNAL: {
			size_t n = hg_cfg_strlen(d->def_string);

			for (size_t k = 0; k <= n; k++)
				field[k] = d->def_string[k];
			break;
		}
		}
		sources[i] = HG_SOURCE_DEFAULT;
	}
}

/* check= (from HEAPGUARD_OPTIONS or the configuration file) overrides
 * MALLOC_CHECK_; otherwise the option mirrors the glibc parameter, so both
 * say the same policy. */
static void hg_config_sync_check(struct hg_config *cfg)
{
	enum hg_source src = cfg->option_source[HG_OPTION_ID_check];

	if (src == HG_SOURCE_HEAPGUARD_ENV || src == HG_SOURCE_CONFIG_FILE) {
		hg_params_set(&cfg->params, HG_PARAM_CHECK, (size_t)cfg->options.check, src);
	} else {
		cfg->options.check = (long)cfg->params.value[HG_PARAM_CHECK];
		cfg->option_source[HG_OPTION_ID_check] = cfg->params.source[HG_PARAM_CHECK];
	}
}

/* The warnings of one option string: a line per bad token up to
 * HG_OPTIONS_WARN_MAX, so that a megabyte of "x:x:x" cannot flood the
 * program's stderr; the rest are counted in one last line. */
struct hg_warnings {
	const char *what; /* "HEAPGUARD_OPTIONS" */
	size_t count;
};

static void hg_warn_token(void *arg, const struct hg_parse_error *err)
{
	struct hg_warnings *w = arg;
	char line[HG_TOKEN_QUOTE_MAX * 4 + 128];
	struct hg_cfg_buf b = { line, sizeof(line), 0 };

	if (++w->count > HG_OPTIONS_WARN_MAX)
		return;
	hg_cfg_puts(&b, "heapguard: ");
	hg_cfg_puts(&b, w->what);
	hg_cfg_puts(&b, ": ignoring ");
	hg_cfg_put_bad_token(&b, err);
	hg_cfg_put_newline(&b);
	hg_cfg_write(2, line, b.used);
}

static void hg_warn_rest(const struct hg_warnings *w)
{
	char line[128];
	struct hg_cfg_buf b = { line, sizeof(line), 0 };

	if (w->count <= HG_OPTIONS_WARN_MAX)
		return;
	hg_cfg_puts(&b, "heapguard: ");
	hg_cfg_puts(&b, w->what);
	hg_cfg_puts(&b, ": ignoring ");
	hg_cfg_putu(&b, w->count - HG_OPTIONS_WARN_MAX);
	hg_cfg_puts(&b, " more bad tokens\n");
	hg_cfg_write(2, line, b.used);
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
		if (value != NULL && hg_param_parse_number(value, hg_cfg_strlen(value), &v) == NULL)
			hg_params_set(&cfg->params, (enum hg_param)i, v, HG_SOURCE_MALLOC_ENV);
	}
	/* Every GLIBC_TUNABLES entry, in order: the last one wins, as in glibc. */
	for (char *const *e = envp; *e != NULL; e++) {
		value = hg_env_value(*e, "GLIBC_TUNABLES");
		if (value != NULL)
			hg_params_apply_tunables(&cfg->params, value);
	}
	value = hg_env_find(envp, "HEAPGUARD_OPTIONS");
	if (value != NULL) {
		struct hg_warnings w = { "HEAPGUARD_OPTIONS", 0 };

		hg_options_parse(&cfg->options, cfg->option_source, HG_SOURCE_HEAPGUARD_ENV, value,
				 hg_warn_token, &w);
		hg_warn_rest(&w);
	}
done:
	hg_config_sync_check(cfg);
	hg_config_select(cfg);
}

void hg_config_select(struct hg_config *cfg)
{
	static char exe[4096];
	const char *only = cfg->options.only, *skip = cfg->options.skip;
	cfg->skipped = false;
	if (only[0] == '\0' && skip[0] == '\0')
		return;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if ((only[0] != '\0' && !hg_glob_list_match(only, exe)) ||
	    (skip[0] != '\0' && hg_glob_list_match(skip, exe))) {
		cfg->skipped = true;
		cfg->options.level = HG_LEVEL_FAST;
	}
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
		while (b > a && (raw[b - 1] == ' ' || raw[b - 1] == '\t' || raw[b - 1] == '\r'))
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

/* The first bad token of the file, for its one warning line. */
static void hg_keep_first(void *arg, const struct hg_parse_error *err)
{
	struct hg_parse_error *first = arg;

	if (first->token == NULL)
		*first = *err;
}

void hg_config_load_secure(struct hg_config *cfg, const char *path)
{
	static char text[HG_CONFIG_FILE_MAX + 1];
	char line[HG_TOKEN_QUOTE_MAX * 4 + 256];
	struct hg_cfg_buf b = { line, sizeof(line), 0 };
	struct hg_parse_error first = { NULL, 0, NULL };
	struct hg_options opts;
	enum hg_source sources[HG_OPTION_COUNT];
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
		/* All or nothing, unlike HEAPGUARD_OPTIONS: a file with a
		 * typo ("reprot=/var/log/hg") may not mean what its valid
		 * lines say (leaks=1 into the user's directory). */
		opts = cfg->options;
		for (int i = 0; i < HG_OPTION_COUNT; i++)
			sources[i] = cfg->option_source[i];
		if (hg_options_parse(&opts, sources, HG_SOURCE_CONFIG_FILE, text, hg_keep_first,
				     &first) == 0) {
			cfg->options = opts;
			for (int i = 0; i < HG_OPTION_COUNT; i++)
				cfg->option_source[i] = sources[i];
			hg_config_sync_check(cfg);
			return;
		}
	}
	hg_cfg_puts(&b, "heapguard: ignoring ");
	hg_cfg_put_escaped(&b, path, hg_cfg_strlen(path));
	hg_cfg_puts(&b, ": ");
	if (why != NULL)
		hg_cfg_puts(&b, why);
	else
		hg_cfg_put_bad_token(&b, &first);
	hg_cfg_put_newline(&b);
	hg_cfg_write(2, line, b.used);
}
