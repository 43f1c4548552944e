/* SPDX-License-Identifier: MIT */
/* The fallback symbolizer: binutils' addr2line, run once per module and per
 * batch of addresses as "addr2line -a -f -i [-C] -e MODULE ADDR...".  It is
 * spawned without a shell (the module path comes from the report), and -a
 * prints each address before its function/location pairs, which is how an
 * inline chain of any length is told apart from the next address. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symbolize.h"

#define HG_A2L_BATCH 256 /* addresses per addr2line run */

extern char **environ;

static bool hg_is_address_line(const char *s)
{
	if (s[0] != '0' || s[1] != 'x' || !s[2])
		return false;
	for (s += 2; *s; s++)
		if (!strchr("0123456789abcdefABCDEF", *s))
			return false;
	return true;
}

/* "file:line" or "file:line (discriminator N)"; "??" parts are unknown. */
static void hg_parse_location(char *s, const char **file, unsigned *line)
{
	char *colon, *paren = strstr(s, " (discriminator ");
	unsigned long n;

	if (paren)
		*paren = '\0';
	*file = NULL;
	*line = 0;
	colon = strrchr(s, ':');
	if (colon) {
		*colon = '\0';
		n = strtoul(colon + 1, NULL, 10);
		*line = n < 1u << 30 ? (unsigned)n : 0;
	}
	if (strcmp(s, "??") != 0)
		*file = s;
}

static void hg_chomp(char *s)
{
	size_t n = strlen(s);

	if (n && s[n - 1] == '\n')
		s[n - 1] = '\0';
}

/* Reads addr2line's answer for n addresses into out[0..n). */
static void hg_read_answer(FILE *in, struct hg_sym_frame *out, size_t n)
{
	char *function = NULL, *location = NULL;
	size_t fcap = 0, lcap = 0, at = 0;
	bool started = false;
	unsigned j;

	while (getline(&function, &fcap, in) > 0) {
		hg_chomp(function);
		if (hg_is_address_line(function)) {
			if (started)
				at++;
			started = true;
			if (at >= n)
				break;
			continue;
		}
		if (!started || getline(&location, &lcap, in) <= 0)
			break;
		hg_chomp(location);
		{
			const char *file;
			unsigned line;

			hg_parse_location(location, &file, &line);
			hg_sym_push(&out[at], strcmp(function, "??") ? function : NULL, file, line,
				    true);
		}
	}
	/* addr2line lists the inline chain innermost first: all but the last
	 * entry of an address were inlined into the next one. */
	for (at = 0; at < n; at++) {
		for (j = 0; j < out[at].count; j++)
			out[at].entries[j].inlined = j + 1 < out[at].count;
		if (out[at].count == 1 && !out[at].entries[0].function &&
		    !out[at].entries[0].file) {
			free(out[at].entries);
			out[at].entries = NULL;
			out[at].count = 0;
		}
	}
	free(function);
	free(location);
}

static int hg_run_batch(const char *path, const uint64_t *addrs, size_t n, struct hg_sym_frame *out,
			bool demangle, char *err, size_t errlen)
{
	char(*text)[20] = malloc(n * sizeof(*text));
	char **argv = malloc((n + 8) * sizeof(*argv));
	posix_spawn_file_actions_t actions;
	int pipefd[2] = { -1, -1 }, rc = -1, status, argc = 0, e;
	char *dotted = NULL;
	FILE *in;
	pid_t pid;
	size_t i;

	if (!text || !argv || pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "addr2line: %s", strerror(errno));
		goto out;
	}
	argv[argc++] = "addr2line";
	argv[argc++] = "-a";
	argv[argc++] = "-f";
	argv[argc++] = "-i";
	if (demangle)
		argv[argc++] = "-C";
	argv[argc++] = "-e";
	argv[argc++] = (char *)path;
	if (path[0] == '@') {
		/* binutils would read "@FILE" as a file of more arguments. */
		if (!(dotted = malloc(strlen(path) + 3))) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		sprintf(dotted, "./%s", path);
		argv[argc - 1] = dotted;
	}
	for (i = 0; i < n; i++) {
		snprintf(text[i], sizeof(text[i]), "0x%" PRIx64, addrs[i]);
		argv[argc++] = text[i];
	}
	argv[argc] = NULL;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
	e = posix_spawnp(&pid, "addr2line", &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(pipefd[1]);
	pipefd[1] = -1;
	if (e != 0) {
		snprintf(err, errlen, "cannot run addr2line: %s", strerror(e));
		goto out;
	}
	in = fdopen(pipefd[0], "r");
	if (in) {
		pipefd[0] = -1;
		hg_read_answer(in, out, n);
		fclose(in);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		rc = 0;
	else
		snprintf(err, errlen, "addr2line failed on it");
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	free(dotted);
	free(text);
	free(argv);
	return rc;
}

int hg_sym_addr2line_module(const char *path, const uint64_t *addrs, size_t n,
			    struct hg_sym_frame *out, bool demangle, char *err, size_t errlen)
{
	size_t at, batch;

	for (at = 0; at < n; at += batch) {
		batch = n - at < HG_A2L_BATCH ? n - at : HG_A2L_BATCH;
		if (hg_run_batch(path, addrs + at, batch, out + at, demangle, err, errlen) < 0)
			return -1;
	}
	return 0;
}
