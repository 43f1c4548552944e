/* SPDX-License-Identifier: MIT */
/* heapguard(1): run a program with libheapguard.so preloaded, heapguard's
 * options and glibc's malloc parameters set.  Every value is checked first,
 * by the library's own parser.  By default the program runs as a child in a
 * run directory (tools/run.c) and the launcher ends with the run's summary
 * and the program's status (or the run's, by error_exitcode/leak_exitcode);
 * with --no-run the launcher only edits the environment and exec()s.  It is
 * never preloaded into itself, so it may use stdio and malloc freely. */
#define _GNU_SOURCE /* asprintf */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h> /* ElfW */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../base/options.h"
#include "records.h"
#include "run.h"

#ifndef HG_LIBDIR
#define HG_LIBDIR "/usr/local/lib"
#endif
#ifndef HG_BINDIR
#define HG_BINDIR "/usr/local/bin"
#endif
#define HG_LIB_NAME "libheapguard.so"
#ifndef HG_LIB_SONAME
#define HG_LIB_SONAME "libheapguard.so.0"
#endif

/* Exit statuses of the launcher itself (the shell's, for 126 and 127). */
enum {
	HG_EXIT_USAGE = 2,	 /* bad command line, or the library is missing */
	HG_EXIT_NOT_EXEC = 126,	 /* the program exists but cannot be executed */
	HG_EXIT_NOT_FOUND = 127, /* no such program */
};

struct hg_launch {
	const char *lib;		/* --lib=PATH, or NULL */
	const char *run_dir;		/* --run-dir=DIR, or NULL */
	bool no_run;			/* --no-run: exec the program, no run */
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
	      "  --run-dir=DIR         the run's directory (default: a new\n"
	      "                        ./heapguard-run-YYYYMMDD-HHMMSS-PID)\n"
	      "  --no-run              no run: exec the program, each process reports alone\n"
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
		if (strncmp(arg, "--run-dir", 9) == 0 && (arg[9] == '=' || arg[9] == '\0')) {
			l->run_dir = hg_option_value(argv, &i, arg, 9);
			if (l->run_dir[0] == '\0')
				hg_die_usage("option '--run-dir' needs a directory");
			continue;
		}
		if (strcmp(arg, "--no-run") == 0) {
			l->no_run = true;
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
	if (l->no_run && l->run_dir != NULL)
		hg_die_usage("--run-dir and --no-run exclude each other");
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

/* The ELF header of an open file, or false. */
static bool hg_elf_header(int fd, ElfW(Ehdr) *eh)
{
	return pread(fd, eh, sizeof(*eh), 0) == (ssize_t)sizeof(*eh) &&
	       memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0;
}

/* Whether the dynamic symbol table of the mapped file (size bytes) defines
 * name.  Every offset is checked against the file: it may be anything. */
static bool hg_elf_defines(const unsigned char *map, size_t size, const char *name)
{
	const ElfW(Ehdr) *eh = (const void *)map;
	size_t nlen = strlen(name);

	if (eh->e_shentsize != sizeof(ElfW(Shdr)) || eh->e_shoff > size ||
	    eh->e_shnum > (size - eh->e_shoff) / sizeof(ElfW(Shdr)))
		return false;
	for (size_t i = 0; i < eh->e_shnum; i++) {
		const ElfW(Shdr) *sh = (const void *)(map + eh->e_shoff + i * sizeof(ElfW(Shdr)));
		const ElfW(Shdr) *str;

		if (sh->sh_type != SHT_DYNSYM || sh->sh_link >= eh->e_shnum ||
		    sh->sh_offset > size || sh->sh_size > size - sh->sh_offset)
			continue;
		str = (const void *)(map + eh->e_shoff + sh->sh_link * sizeof(ElfW(Shdr)));
		if (str->sh_offset > size || str->sh_size > size - str->sh_offset)
			continue;
		for (size_t k = 0; k < sh->sh_size / sizeof(ElfW(Sym)); k++) {
			const ElfW(Sym) *sym =
				(const void *)(map + sh->sh_offset + k * sizeof(ElfW(Sym)));

			if (sym->st_shndx != SHN_UNDEF && sym->st_name < str->sh_size &&
			    str->sh_size - sym->st_name > nlen &&
			    memcmp(map + str->sh_offset + sym->st_name, name, nlen + 1) == 0)
				return true;
		}
	}
	return false;
}

/* Why path cannot be preloaded as heapguard's library into programs like
 * the launcher (same ELF class, byte order and machine), or NULL when it
 * can: the dynamic loader would only warn and run the program without it. */
static const char *hg_lib_unusable(const char *path)
{
	ElfW(Ehdr) eh, self;
	struct stat st;
	void *map;
	bool ours;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return strerror(errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return "not a regular file";
	}
	if (!hg_elf_header(fd, &eh) || eh.e_type != ET_DYN) {
		close(fd);
		return "not a shared library";
	}
	ours = false;
	{
		int self_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

		if (self_fd >= 0) {
			ours = hg_elf_header(self_fd, &self);
			close(self_fd);
		}
	}
	if (ours && (eh.e_ident[EI_CLASS] != self.e_ident[EI_CLASS] ||
		     eh.e_ident[EI_DATA] != self.e_ident[EI_DATA] || eh.e_machine != self.e_machine)) {
		close(fd);
		return "built for another architecture";
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return strerror(errno);
	ours = hg_elf_defines(map, (size_t)st.st_size, "heapguard_report");
	munmap(map, (size_t)st.st_size);
	return ours ? NULL : "not heapguard's library (no heapguard_report)";
}

/* path made absolute when it can be preloaded; otherwise one line naming
 * where it came from, and the usage status. */
static char *hg_lib_checked(const char *path, const char *source)
{
	const char *why = hg_readable(path) ? hg_lib_unusable(path) : NULL;

	if (!hg_readable(path)) {
		fprintf(stderr, "heapguard: library not found: %s (from %s)\n", path, source);
		exit(HG_EXIT_USAGE);
	}
	if (why != NULL) {
		fprintf(stderr, "heapguard: cannot use %s as the library (%s): %s\n", path, source,
			why);
		exit(HG_EXIT_USAGE);
	}
	return hg_absolute(path);
}

/* The path from directory from to directory to, both absolute, as
 * "../../lib/x" (or "." when they are the same), into buf; false when it
 * does not fit.  Empty components and "." are skipped; ".." is not expected
 * in configured directories and makes the result unusable (false). */
static bool hg_relative_dir(const char *from, const char *to, char *buf, size_t len)
{
	const char *f = from, *t = to;
	size_t used = 0;

	for (;;) {
		while (*f == '/' || (f[0] == '.' && (f[1] == '/' || f[1] == '\0')))
			f++;
		while (*t == '/' || (t[0] == '.' && (t[1] == '/' || t[1] == '\0')))
			t++;
		size_t nf = strcspn(f, "/"), nt = strcspn(t, "/");

		if (nf == 0 || nf != nt || strncmp(f, t, nf) != 0)
			break;
		f += nf;
		t += nt;
	}
	if (strstr(f, "..") != NULL || strstr(t, "..") != NULL)
		return false;
	buf[0] = '\0';
	while (*f != '\0') {
		size_t nf = strcspn(f, "/");

		if (nf > 0 && !(nf == 1 && f[0] == '.')) {
			if (used + 4 > len)
				return false;
			strcpy(buf + used, used ? "/.." : "..");
			used += used ? 3 : 2;
		}
		f += nf;
		while (*f == '/')
			f++;
	}
	while (*t == '/')
		t++;
	if (*t != '\0') {
		if (used + strlen(t) + 2 > len)
			return false;
		used += (size_t)sprintf(buf + used, "%s%s", used ? "/" : "", t);
	}
	while (used > 0 && buf[used - 1] == '/')
		buf[--used] = '\0';
	if (used == 0)
		strcpy(buf, ".");
	return true;
}

/* The directory rel (from hg_relative_dir) names from the directory from,
 * with its ".." taken off from's end rather than kept in the path (the
 * library's path shows in LD_PRELOAD and in every report), into buf. */
static bool hg_dir_walk(const char *from, const char *rel, char *buf, size_t len)
{
	size_t used = strlen(from);

	if (used >= len)
		return false;
	strcpy(buf, from);
	while (*rel != '\0') {
		size_t n = strcspn(rel, "/");

		if (n == 2 && rel[0] == '.' && rel[1] == '.') {
			char *slash = strrchr(buf, '/');

			if (slash == NULL)
				return false;
			used = slash == buf ? 1 : (size_t)(slash - buf);
			buf[used] = '\0';
		} else if (n > 0 && !(n == 1 && rel[0] == '.')) {
			if (used + 1 + n >= len)
				return false;
			if (used > 1 || buf[0] != '/')
				buf[used++] = '/';
			memcpy(buf + used, rel, n);
			used += n;
			buf[used] = '\0';
		}
		rel += n;
		while (*rel == '/')
			rel++;
	}
	return true;
}

/* dir/name into buf when it fits and is readable. */
static bool hg_lib_in(const char *dir, const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	return n > 0 && (size_t)n < len && hg_readable(buf);
}

/* --lib, $HEAPGUARD_LIB, the build tree next to the launcher (.libs/), the
 * library directory relative to the launcher's own directory as configured
 * (bindir to libdir: /usr/bin/../lib/x86_64-linux-gnu; the same after `make
 * install DESTDIR=...` or in an unpacked package), the configured libdir.
 * The runtime name (SONAME) is looked for first: the .so link is the
 * development package's. */
static char *hg_find_lib(const char *cmdline_lib)
{
	static const char *const names[] = { HG_LIB_SONAME, HG_LIB_NAME };
	const char *env = getenv("HEAPGUARD_LIB");
	char self[PATH_MAX], rel[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], *slash;
	ssize_t n;

	if (cmdline_lib != NULL)
		return hg_lib_checked(cmdline_lib, "--lib");
	if (env != NULL && env[0] != '\0')
		return hg_lib_checked(env, "HEAPGUARD_LIB");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			for (size_t i = 0; i < 2; i++) {
				if (snprintf(dir, sizeof(dir), "%s/.libs", self) < (int)sizeof(dir) &&
				    hg_lib_in(dir, names[i], path, sizeof(path)))
					return hg_lib_checked(path, "the build tree");
			}
			if (hg_relative_dir(HG_BINDIR, HG_LIBDIR, rel, sizeof(rel)) &&
			    hg_dir_walk(self, rel, dir, sizeof(dir))) {
				for (size_t i = 0; i < 2; i++)
					if (hg_lib_in(dir, names[i], path, sizeof(path)))
						return hg_lib_checked(path, "beside the launcher");
			}
		}
	}
	for (size_t i = 0; i < 2; i++)
		if (hg_lib_in(HG_LIBDIR, names[i], path, sizeof(path)))
			return hg_lib_checked(path, "the library directory");
	fprintf(stderr, "heapguard: library not found: " HG_LIBDIR "/" HG_LIB_SONAME
			" (use --lib=PATH or HEAPGUARD_LIB)\n");
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

/* The variables the launcher sets for the program, as they were: the
 * summary's reader must run as the launcher was started, not preloaded into
 * the run (it would leave a record of its own there). */
static const char *const hg_program_env[] = { "LD_PRELOAD", "HEAPGUARD_OPTIONS", "GLIBC_TUNABLES" };
#define HG_PROGRAM_ENV (sizeof(hg_program_env) / sizeof(hg_program_env[0]))

static void hg_env_save(char *saved[HG_PROGRAM_ENV])
{
	for (size_t i = 0; i < HG_PROGRAM_ENV; i++) {
		const char *v = getenv(hg_program_env[i]);

		saved[i] = v ? hg_xstrdup(v) : NULL;
	}
}

static void hg_env_restore(char *const saved[HG_PROGRAM_ENV])
{
	for (size_t i = 0; i < HG_PROGRAM_ENV; i++) {
		if (saved[i] != NULL)
			setenv(hg_program_env[i], saved[i], 1);
		else
			unsetenv(hg_program_env[i]);
	}
}

/* The options the program will see (those inherited, then ours), for what
 * the launcher itself must know of them; the library's defaults are all 0 or
 * empty for these.  A bad inherited token is the library's to warn about. */
static void hg_effective_options(const struct hg_launch *l, struct hg_options *opts)
{
	char *all = hg_join(getenv("HEAPGUARD_OPTIONS"), l->options, ':');

	memset(opts, 0, sizeof(*opts));
	hg_options_parse(opts, NULL, HG_SOURCE_HEAPGUARD_ENV, all, NULL, NULL);
	free(all);
}

/* The shell's words and statuses for a program that could not be run. */
static int hg_cannot_run(const char *program, int err)
{
	if (err == ENOENT || err == ENOTDIR) {
		fprintf(stderr, "heapguard: %s: %s\n", program,
			strchr(program, '/') ? "no such file" : "command not found");
		return HG_EXIT_NOT_FOUND;
	}
	fprintf(stderr, "heapguard: %s: cannot execute: %s\n", program, strerror(err));
	return HG_EXIT_NOT_EXEC;
}

/* End the launcher as the command ended: killed by the same signal (without
 * a core dump of the launcher's own: the command's is the one that counts),
 * or 128 + the signal if it does not kill the launcher. */
__attribute__((noreturn)) static void hg_die_like(int sig)
{
	struct rlimit no_core = { 0, 0 };
	sigset_t set;

	setrlimit(RLIMIT_CORE, &no_core);
	signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	exit(128 + sig);
}

/* The launcher's status: the command's, except that the run's heap errors
 * (error_exitcode) and then its lost bytes (leak_exitcode) turn a 0 into
 * that code, as they do for each process. */
static int hg_run_status(int code, const struct hg_options *opts, const struct hg_run_totals *t)
{
	if (code == 0 && opts->error_exitcode != 0 && t->errors > 0)
		return (int)opts->error_exitcode;
	if (code == 0 && opts->leak_exitcode != 0 && t->lost_bytes > 0)
		return (int)opts->leak_exitcode;
	return code;
}

/* Make the run, run the command in it, say how the run went. */
static int hg_run(struct hg_launch *l, char *const saved_env[HG_PROGRAM_ENV])
{
	struct hg_options opts;
	struct hg_run_totals totals;
	const char *requested;
	bool created;
	char *dir, *part, *token, *options;
	int status, err;

	hg_effective_options(l, &opts);
	requested = l->run_dir;
	if (requested == NULL && opts.run_dir[0] != '\0')
		requested = opts.run_dir;
	dir = hg_run_dir_create(requested, &created);
	if (dir == NULL)
		return HG_EXIT_USAGE;
	/* a named run may be shared: the command writes into a part of it */
	part = requested != NULL ? hg_run_part_create(dir) : dir;
	if (part == NULL) {
		if (created)
			rmdir(dir);
		free(dir);
		return HG_EXIT_USAGE;
	}
	/* last, so that it wins over any run_dir given before, made absolute */
	if (asprintf(&token, "run_dir=%s", part) < 0) {
		perror("heapguard");
		return HG_EXIT_USAGE;
	}
	options = hg_join(l->options, token, ':');
	hg_set_options(options);
	free(options);
	free(token);
	fflush(NULL);
	status = hg_run_command(l->argv, &err);
	hg_env_restore(saved_env);
	if (status < 0) {
		if (part != dir)
			rmdir(part);
		if (created)
			rmdir(dir);
		return hg_cannot_run(l->argv[0], err);
	}
	if (hg_records_read(part, &totals) != 0)
		memset(&totals, 0, sizeof(totals));
	hg_run_summary(part, dir, &totals);
	if (part != dir) {
		hg_run_part_merge(part, dir);
		free(part);
	}
	free(dir);
	if (WIFSIGNALED(status))
		hg_die_like(WTERMSIG(status));
	return hg_run_status(WEXITSTATUS(status), &opts, &totals);
}

int main(int argc, char **argv)
{
	struct hg_launch l = { 0 };
	char *saved_env[HG_PROGRAM_ENV];
	char *lib;

	hg_parse_args(&l, argc, argv);
	lib = hg_find_lib(l.lib);
	hg_env_save(saved_env);
	hg_set_preload(lib);
	hg_set_tunables(&l);
	if (!l.no_run)
		return hg_run(&l, saved_env);
	hg_set_options(l.options);
	fflush(NULL);
	execvp(l.argv[0], l.argv);
	return hg_cannot_run(l.argv[0], errno);
}
