/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for the configuration (base/params.c, options.c,
 * config.c, config_print.c).  The input is an environment, one NAME=value
 * entry per line or per NUL byte (HEAPGUARD_OPTIONS, MALLOC_*, GLIBC_TUNABLES,
 * anything else); it goes through the /proc/self/environ reader,
 * hg_config_load, the listing, and, as a file, the set-user-ID configuration
 * reader.  Beyond the sanitizers, it checks what the parser promises: one
 * short printable warning line per bad token of HEAPGUARD_OPTIONS (at most
 * ten, then one counting the rest), none otherwise; parsing the string gives
 * what parsing its tokens one at a time gives, where a bad token changes
 * nothing; every string option stays NUL-terminated. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../base/options.h"

#define ENTRIES_MAX 64

static int warnings[2] = { -1, -1 }; /* a pipe that stands in for fd 2 */
static int env_fd = -1;		     /* the input as /proc/self/environ */
static int null_fd = -1;
static char conf_path[64];

static void die(const char *what)
{
	fprintf(stderr, "fuzz_options: %s\n", what);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (pipe2(warnings, O_NONBLOCK | O_CLOEXEC) != 0)
		die("pipe");
	/* the pipe holds every warning one input can cause */
	fcntl(warnings[1], F_SETPIPE_SZ, 1 << 16);
	env_fd = memfd_create("environ", MFD_CLOEXEC);
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	snprintf(conf_path, sizeof(conf_path), "/tmp/hg-fuzz-options.%d.conf",
		 (int)getpid());
	if (env_fd < 0 || null_fd < 0)
		die("memfd_create or /dev/null");
	return 0;
}

/* Runs fn with fd 2 on the pipe and returns what it wrote, NUL-terminated. */
static const char *captured(void (*fn)(void *), void *arg)
{
	static char out[1 << 16];
	int saved = dup(2);
	ssize_t n;

	if (saved < 0 || dup2(warnings[1], 2) < 0)
		die("dup2");
	fn(arg);
	dup2(saved, 2);
	close(saved);
	n = read(warnings[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

/* Empty, or lines starting with prefix, each short, of printable ASCII;
 * returns how many. */
static size_t check_warnings(const char *w, const char *prefix)
{
	size_t lines = 0;

	while (*w != '\0') {
		const char *end = strchr(w, '\n');

		if (end == NULL || strncmp(w, prefix, strlen(prefix)) != 0 || end - w > 300)
			die("malformed warning");
		for (const char *c = w; c < end; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
				die("unprintable byte in a warning");
		lines++;
		w = end + 1;
	}
	return lines;
}

/* Empty, or one line "heapguard: ignoring WHAT: ...". */
static void check_warning(const char *w, const char *what)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "heapguard: ignoring %s: ", what);
	if (check_warnings(w, prefix) > 1)
		die("more than one warning line");
}

/* The oracle: str's tokens (split at ':') parsed one at a time into opts,
 * each bad one leaving opts as it was.  Returns the number of bad ones. */
static size_t parse_one_by_one(struct hg_options *opts, const char *str)
{
	static char tok[1 << 20];
	size_t bad = 0;

	for (;;) {
		size_t n = strcspn(str, ":");
		struct hg_options before;
		size_t b;

		memcpy(tok, str, n);
		tok[n] = '\0';
		memcpy(&before, opts, sizeof(before));
		b = hg_options_parse(opts, NULL, HG_SOURCE_HEAPGUARD_ENV, tok, NULL, NULL);
		if (b > 1 || (n == 0 && b != 0))
			die("one token, more than one bad token");
		if (b == 1 && memcmp(&before, opts, sizeof(before)) != 0)
			die("a bad token changed an option");
		bad += b;
		if (str[n] == '\0')
			return bad;
		str += n + 1;
	}
}

static void check_strings(const struct hg_options *o)
{
	if (memchr(o->log, '\0', sizeof(o->log)) == NULL ||
	    memchr(o->report, '\0', sizeof(o->report)) == NULL ||
	    memchr(o->report_signal, '\0', sizeof(o->report_signal)) == NULL)
		die("string option not NUL-terminated");
}

struct load {
	struct hg_config *cfg;
	char *const *envp;
};

static void do_load(void *arg)
{
	struct load *l = arg;

	hg_config_load(l->cfg, l->envp, false);
}

static void do_load_secure(void *arg)
{
	struct load *l = arg;

	hg_config_load(l->cfg, l->envp, true);
	hg_config_load_secure(l->cfg, conf_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[1 << 20], envbuf[4096];
	char *envp[ENTRIES_MAX + 1], *kept[16];
	const char *hgopts = NULL, *w;
	static struct hg_config cfg, plain; /* zeroed before each load: compared whole */
	struct load l = { &cfg, envp };
	size_t n = 0, k, lines;

	if (size >= sizeof(text))
		return -1; /* not added to the corpus */

	/* 1. The reader of /proc/self/environ, with a small buffer. */
	if (ftruncate(env_fd, 0) != 0 || pwrite(env_fd, data, size, 0) != (ssize_t)size ||
	    lseek(env_fd, 0, SEEK_SET) != 0)
		die("memfd");
	k = hg_env_read(env_fd, envbuf, sizeof(envbuf), kept, 16);
	if (k > 15 || kept[k] != NULL)
		die("hg_env_read: too many entries");
	for (size_t i = 0; i < k; i++)
		if (kept[i] < envbuf || kept[i] + strlen(kept[i]) >= envbuf + sizeof(envbuf))
			die("hg_env_read: entry outside the buffer");

	/* 2. The same bytes as an environment: lines or NUL-separated. */
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0, start = 0; i <= size && n < ENTRIES_MAX; i++) {
		if (i < size && text[i] != '\n' && text[i] != '\0')
			continue;
		text[i] = '\0';
		if (i > start)
			envp[n++] = text + start;
		start = i + 1;
	}
	envp[n] = NULL;
	for (size_t i = 0; i < n && hgopts == NULL; i++)
		if (strncmp(envp[i], "HEAPGUARD_OPTIONS=", 18) == 0)
			hgopts = envp[i] + 18;

	memset(&cfg, 0, sizeof(cfg));
	w = captured(do_load, &l);
	lines = check_warnings(w, "heapguard: HEAPGUARD_OPTIONS: ignoring ");
	check_strings(&cfg.options);
	if (hgopts != NULL) {
		static struct hg_options whole, alone;
		size_t bad;

		/* the loaded options are what the parser gives from the
		 * defaults (check aside: MALLOC_CHECK_ may set it), and that
		 * is what its tokens give one at a time */
		memset(&plain, 0, sizeof(plain));
		hg_config_load(&plain, NULL, false);
		memcpy(&whole, &plain.options, sizeof(whole));
		memcpy(&alone, &plain.options, sizeof(alone));
		bad = hg_options_parse(&whole, NULL, HG_SOURCE_HEAPGUARD_ENV, hgopts, NULL, NULL);
		if (parse_one_by_one(&alone, hgopts) != bad ||
		    memcmp(&whole, &alone, sizeof(whole)) != 0)
			die("the string and its tokens one at a time disagree");
		whole.check = cfg.options.check;
		if (memcmp(&whole, &cfg.options, sizeof(whole)) != 0)
			die("the loaded options are not the parser's");
		if (lines != (bad > 10 ? 11 : bad))
			die("not one warning line per bad token");
	} else if (lines != 0) {
		die("a warning without HEAPGUARD_OPTIONS");
	}
	hg_config_print(&cfg, null_fd);

	/* 3. The same bytes as /etc/heapguard.conf of a set-user-ID program
	 * (read only when we are root: the file must be root's). */
	{
		int fd = open(conf_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || write(fd, data, size) != (ssize_t)size)
			die("conf file");
		close(fd);
		w = captured(do_load_secure, &l);
		check_warning(w, conf_path);
		check_strings(&cfg.options);
		unlink(conf_path);
	}
	return 0;
}
