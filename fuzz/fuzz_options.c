/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for the configuration parser (lib/options.c).  The input
 * is an environment, one NAME=value entry per line or per NUL byte
 * (HEAPGUARD_OPTIONS, MALLOC_*, GLIBC_TUNABLES, anything else); it goes
 * through the /proc/self/environ reader, hg_config_load, the listing, and,
 * as a file, the set-user-ID configuration reader.  Beyond the sanitizers,
 * it checks what the parser promises: at most one warning line, short and
 * printable; a rejected HEAPGUARD_OPTIONS changes no option; every string
 * option stays NUL-terminated. */
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

/* Empty, or one line "heapguard: ignoring WHAT: ..." of printable ASCII. */
static void check_warning(const char *w, const char *what)
{
	size_t n = strlen(w);
	char prefix[128];

	if (n == 0)
		return;
	snprintf(prefix, sizeof(prefix), "heapguard: ignoring %s: ", what);
	if (strncmp(w, prefix, strlen(prefix)) != 0 || w[n - 1] != '\n' || n > 300)
		die("malformed warning");
	for (size_t i = 0; i + 1 < n; i++)
		if ((unsigned char)w[i] < 0x20 || (unsigned char)w[i] > 0x7e)
			die("unprintable byte or second line in a warning");
}

static void check_strings(const struct hg_options *o)
{
	if (memchr(o->log, '\0', sizeof(o->log)) == NULL ||
	    memchr(o->report, '\0', sizeof(o->report)) == NULL)
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
	struct hg_config cfg, plain;
	struct load l = { &cfg, envp };
	size_t n = 0, k;

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

	w = captured(do_load, &l);
	check_warning(w, "HEAPGUARD_OPTIONS");
	check_strings(&cfg.options);
	if (hgopts != NULL) {
		struct hg_parse_error err;
		struct hg_options before;

		/* warned exactly when the string is rejected, and then every
		 * option is what the other variables alone give */
		hg_config_load(&plain, NULL, false);
		before = plain.options;
		if ((hg_options_parse_ex(&plain.options, NULL, hgopts, &err) != 0) !=
		    (w[0] != '\0'))
			die("warning and rejection disagree");
		if (w[0] != '\0' && memcmp(&before, &plain.options, sizeof(before)) != 0)
			die("a rejected string changed an option");
	} else if (w[0] != '\0') {
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
