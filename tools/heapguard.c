/* SPDX-License-Identifier: MIT */
/* heapguard(1): run a program with libheapguard.so preloaded, heapguard's
 * options and glibc's malloc parameters set.  Every value is checked first,
 * by the library's own parser.  The launcher only edits the environment and
 * exec()s, so the program's exit status and signals are its own.  It is never
 * preloaded into itself, so it may use stdio and malloc freely. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/options.h"

#ifndef HG_LIBDIR
#define HG_LIBDIR "/usr/local/lib"
#endif
#define HG_LIB_NAME "libheapguard.so"

/* Exit statuses of the launcher itself (the shell's, for 126 and 127). */
enum {
	HG_EXIT_USAGE = 2,	 /* bad command line, or the library is missing */
	HG_EXIT_NOT_EXEC = 126,	 /* the program exists but cannot be executed */
	HG_EXIT_NOT_FOUND = 127, /* no such program */
};

struct hg_launch {
	const char *lib;		/* --lib=PATH, or NULL */
	char *options;			/* the ':'-joined option string from the command line */
	bool param_set[HG_PARAM_COUNT]; /* glibc's parameters given as --name=VALUE */
	size_t param[HG_PARAM_COUNT];	/* and their values */
	char **argv;			/* the program and its arguments */
};

/* --help-options: the option table, then glibc's parameters, then what the
 * values of each type may be. */
static void hg_help_options(int fd)
{
	static const char params[] = "\nglibc's malloc parameters, as --NAME=VALUE "
				     "(set through GLIBC_TUNABLES):\n";
	static const char values[] = "\n";

	hg_options_help(fd);
	if (write(fd, params, sizeof(params) - 1) < 0)
		return;
	hg_params_help(fd);
	if (write(fd, values, sizeof(values) - 1) < 0)
		return;
	hg_options_help_values(fd);
}

static void hg_usage(FILE *out)
{
	fputs("usage: heapguard [options] [--] program [args...]\n"
	      "Run program with the heapguard allocator preloaded.\n"
	      "\n"
	      "  -o, --options=STRING  heapguard options (key=value:key=value), appended\n"
	      "                        to $HEAPGUARD_OPTIONS\n"
	      "  --NAME=VALUE          set one heapguard option, or one of glibc's malloc\n"
	      "                        parameters through $GLIBC_TUNABLES (see below)\n"
	      "  --lib=PATH            use this libheapguard.so\n"
	      "  --help-options        list the options and glibc's parameters only\n"
	      "  --version             print the version\n"
	      "  -h, --help            print this help\n"
	      "\n"
	      "Options (NAME TYPE DEFAULT [RANGE] HELP), see heapguard(7):\n",
	      out);
	fflush(out);
	hg_help_options(fileno(out));
}

__attribute__((noreturn, format(printf, 1, 2))) static void hg_die_usage(const char *fmt, ...);

static void hg_die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("heapguard: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try 'heapguard --help')\n", stderr);
	exit(HG_EXIT_USAGE);
}

static char *hg_xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL) {
		perror("heapguard");
		exit(HG_EXIT_USAGE);
	}
	return d;
}

/* a ':' b, where either may be NULL or empty; the result is malloc'ed. */
static char *hg_join(const char *a, const char *b, char sep)
{
	size_t na = a ? strlen(a) : 0, nb = b ? strlen(b) : 0;
	char *s = malloc(na + nb + 2);

	if (s == NULL) {
		perror("heapguard");
		exit(HG_EXIT_USAGE);
	}
	s[0] = '\0';
	if (na)
		strcpy(s, a);
	if (na && nb)
		s[na++] = sep, s[na] = '\0';
	if (nb)
		strcpy(s + na, b);
	return s;
}

static void hg_say_bad_token(void *arg, const struct hg_parse_error *err)
{
	char text[512];

	hg_parse_error_text(err, text, sizeof(text));
	fprintf(stderr, "heapguard: invalid option %s: %s (try 'heapguard --help')\n",
		(const char *)arg, text);
}

/* Validate an option string as the library will parse it; each bad token is
 * one line here and a usage error (the library would warn and ignore it). */
static void hg_check_options(const char *str, const char *given_as)
{
	struct hg_options opts;

	memset(&opts, 0, sizeof(opts));
	if (hg_options_parse(&opts, NULL, HG_SOURCE_HEAPGUARD_ENV, str, hg_say_bad_token,
			     (void *)given_as) != 0)
		exit(HG_EXIT_USAGE);
}

static void hg_add_options(struct hg_launch *l, const char *str, const char *given_as)
{
	char *joined;

	hg_check_options(str, given_as);
	joined = hg_join(l->options, str, ':');
	free(l->options);
	l->options = joined;
}

/* --name=VALUE for one of glibc's parameters, checked with glibc's rules
 * (which glibc itself applies silently). */
static void hg_add_param(struct hg_launch *l, int which, const char *value, const char *arg)
{
	size_t v;
	const char *why = hg_param_parse((enum hg_param)which, value, strlen(value), &v);

	if (why != NULL)
		hg_die_usage("invalid option %s: %s", arg, why);
	l->param[which] = v;
	l->param_set[which] = true;
}

/* The value of "--name=VALUE" or "--name VALUE"; advances *i for the latter. */
static const char *hg_option_value(char **argv, int *i, const char *arg, size_t name_len)
{
	if (arg[name_len] == '=')
		return arg + name_len + 1;
	if (argv[*i + 1] == NULL)
		hg_die_usage("option '%s' needs a value", arg);
	return argv[++*i];
}

static void hg_parse_args(struct hg_launch *l, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			hg_usage(stdout);
			exit(0);
		}
		if (strcmp(arg, "--version") == 0) {
			printf("heapguard %s\n", PACKAGE_VERSION);
			exit(0);
		}
		if (strcmp(arg, "--help-options") == 0) {
			fflush(stdout);
			hg_help_options(STDOUT_FILENO);
			exit(0);
		}
		if (strncmp(arg, "-o", 2) == 0) {
			const char *v = arg[2] ? arg + 2 : argv[i + 1];

			if (v == NULL)
				hg_die_usage("option '-o' needs a value");
			if (!arg[2])
				i++;
			hg_add_options(l, v, "-o");
			continue;
		}
		if (strncmp(arg, "--options", 9) == 0 && (arg[9] == '=' || arg[9] == '\0')) {
			hg_add_options(l, hg_option_value(argv, &i, arg, 9), "--options");
			continue;
		}
		if (strncmp(arg, "--lib", 5) == 0 && (arg[5] == '=' || arg[5] == '\0')) {
			l->lib = hg_option_value(argv, &i, arg, 5);
			continue;
		}
		if (arg[1] == '-') {
			const char *name = arg + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			bool option = hg_option_exists(name, len);

			if (!option && hg_param_find(name, len) < 0)
				hg_die_usage("unknown option '%s'", arg);
			if (eq == NULL)
				hg_die_usage("option '%s' needs a value (--%s=VALUE)", arg, name);
			/* a name both have (check) is heapguard's option,
			 * which overrides glibc's parameter */
			if (option)
				hg_add_options(l, name, arg);
			else
				hg_add_param(l, hg_param_find(name, len), eq + 1, arg);
			continue;
		}
		hg_die_usage("unknown option '%s'", arg);
	}
	if (i >= argc)
		hg_die_usage("no program to run");
	l->argv = argv + i;
}

static bool hg_readable(const char *path)
{
	return path != NULL && path[0] != '\0' && access(path, R_OK) == 0;
}

/* An absolute path, so that the program may chdir and still find it; symbolic
 * links are kept (libheapguard.so, not the versioned file it points to). */
static char *hg_absolute(const char *path)
{
	char *cwd, *abs;

	if (path[0] == '/' || (cwd = getcwd(NULL, 0)) == NULL)
		return hg_xstrdup(path);
	abs = hg_join(cwd, path, '/');
	free(cwd);
	return abs;
}

/* --lib, $HEAPGUARD_LIB, the build tree next to the launcher, the prefix. */
static char *hg_find_lib(const char *cmdline_lib)
{
	const char *env = getenv("HEAPGUARD_LIB");
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (cmdline_lib != NULL) {
		if (!hg_readable(cmdline_lib))
			goto missing_explicit;
		return hg_absolute(cmdline_lib);
	}
	if (env != NULL && env[0] != '\0') {
		if (!hg_readable(env)) {
			fprintf(stderr, "heapguard: library not found: %s (from HEAPGUARD_LIB)\n",
				env);
			exit(HG_EXIT_USAGE);
		}
		return hg_absolute(env);
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL &&
		    (size_t)(slash - self) + sizeof("/.libs/" HG_LIB_NAME) <= sizeof(self)) {
			strcpy(slash, "/.libs/" HG_LIB_NAME);
			if (hg_readable(self))
				return hg_xstrdup(self);
		}
	}
	if (hg_readable(HG_LIBDIR "/" HG_LIB_NAME))
		return hg_xstrdup(HG_LIBDIR "/" HG_LIB_NAME);
	fprintf(stderr, "heapguard: library not found: " HG_LIBDIR "/" HG_LIB_NAME
			" (use --lib=PATH or HEAPGUARD_LIB)\n");
	exit(HG_EXIT_USAGE);
missing_explicit:
	fprintf(stderr, "heapguard: library not found: %s\n", cmdline_lib);
	exit(HG_EXIT_USAGE);
}

/* LD_PRELOAD with lib first, keeping what was there (once). */
static void hg_set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	size_t n = strlen(lib);
	char *val;

	if (old != NULL && strncmp(old, lib, n) == 0 &&
	    (old[n] == '\0' || old[n] == ':' || old[n] == ' '))
		return;
	val = hg_join(lib, old, ':');
	if (setenv("LD_PRELOAD", val, 1) != 0) {
		perror("heapguard: setenv");
		exit(HG_EXIT_USAGE);
	}
	free(val);
}

static void hg_set_options(const char *extra)
{
	char *val;

	if (extra == NULL || extra[0] == '\0')
		return;
	val = hg_join(getenv("HEAPGUARD_OPTIONS"), extra, ':');
	if (setenv("HEAPGUARD_OPTIONS", val, 1) != 0) {
		perror("heapguard: setenv");
		exit(HG_EXIT_USAGE);
	}
	free(val);
}

/* GLIBC_TUNABLES with the parameters of the command line, replacing any
 * entry of the same name and keeping the others (other namespaces too) in
 * their order; ours come last, which is also what counts when names repeat. */
static void hg_set_tunables(const struct hg_launch *l)
{
	const char *old = getenv("GLIBC_TUNABLES");
	size_t cap = (old ? strlen(old) : 0) + 1, used = 0;
	bool any = false;
	char *val;

	/* what is kept of old fits in its length; each of ours is
	 * ":NAME=" and at most 20 digits */
	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		if (l->param_set[i])
			cap += strlen(hg_param_tunable_name((enum hg_param)i)) + 22;
		any |= l->param_set[i];
	}
	if (!any)
		return;
	val = malloc(cap);
	if (val == NULL) {
		perror("heapguard");
		exit(HG_EXIT_USAGE);
	}
	val[0] = '\0';
	for (const char *s = old; s != NULL && *s != '\0';) {
		size_t n = strcspn(s, ":"), name_len = strcspn(s, "=:");
		bool replaced = false;

		for (int i = 0; i < HG_PARAM_COUNT && n > 0; i++) {
			const char *t = hg_param_tunable_name((enum hg_param)i);

			if (l->param_set[i] && strlen(t) == name_len &&
			    strncmp(s, t, name_len) == 0)
				replaced = true;
		}
		if (n > 0 && !replaced)
			used += (size_t)sprintf(val + used, "%s%.*s", used ? ":" : "", (int)n, s);
		s += s[n] == ':' ? n + 1 : n;
	}
	for (int i = 0; i < HG_PARAM_COUNT; i++)
		if (l->param_set[i])
			used += (size_t)sprintf(val + used, "%s%s=%zu", used ? ":" : "",
						hg_param_tunable_name((enum hg_param)i),
						l->param[i]);
	if (setenv("GLIBC_TUNABLES", val, 1) != 0) {
		perror("heapguard: setenv");
		exit(HG_EXIT_USAGE);
	}
	free(val);
}

int main(int argc, char **argv)
{
	struct hg_launch l = { 0 };
	char *lib;
	int err;

	hg_parse_args(&l, argc, argv);
	lib = hg_find_lib(l.lib);
	hg_set_preload(lib);
	hg_set_options(l.options);
	hg_set_tunables(&l);
	fflush(NULL);
	execvp(l.argv[0], l.argv);
	err = errno;
	if (err == ENOENT || err == ENOTDIR) {
		fprintf(stderr, "heapguard: %s: %s\n", l.argv[0],
			strchr(l.argv[0], '/') ? "no such file" : "command not found");
		return HG_EXIT_NOT_FOUND;
	}
	fprintf(stderr, "heapguard: %s: cannot execute: %s\n", l.argv[0], strerror(err));
	return HG_EXIT_NOT_EXEC;
}
