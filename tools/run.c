/* SPDX-License-Identifier: MIT */
/* The launcher's run: it makes the run directory, runs the command as its
 * child (so that it can speak after it) and prints the run's summary.  The
 * command stays in the launcher's process group, so the terminal's signals
 * and job control reach it as they would without heapguard; the launcher
 * passes on only what another process sends to it alone. */
#define _GNU_SOURCE /* asprintf, pipe2 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../base/options.h"
#include "run.h"

#ifndef HG_BINDIR
#define HG_BINDIR "/usr/local/bin"
#endif
#define HG_READER_NAME "heapguard-report"
#define HG_SUMMARY_MAX 4096 /* bytes of the summary line we pass on */

/* ---- the run directory ---- */

/* The directory must travel as run_dir=PATH in HEAPGUARD_OPTIONS: no ':',
 * no control character, short enough. */
static bool hg_run_dir_expressible(const char *path)
{
	struct hg_options opts;
	char *token;
	size_t bad;

	if (asprintf(&token, "run_dir=%s", path) < 0)
		return false;
	bad = hg_options_parse(&opts, NULL, HG_SOURCE_HEAPGUARD_ENV, token, NULL, NULL);
	free(token);
	return bad == 0 && strcmp(opts.run_dir, path) == 0;
}

/* mkdir -p, each directory made 0700 whatever the umask. */
static int hg_mkdir_parents(char *path, bool *created)
{
	struct stat st;

	*created = false;
	for (char *p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0700) == 0)
			chmod(path, 0700);
		*p = '/';
	}
	if (mkdir(path, 0700) == 0) {
		*created = true;
		return chmod(path, 0700);
	}
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return -1;
}

static char *hg_absolute_path(const char *path)
{
	char cwd[PATH_MAX], *abs;

	if (path[0] == '/')
		return strdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL || asprintf(&abs, "%s/%s", cwd, path) < 0)
		return NULL;
	return abs;
}

/* heapguard-run-YYYYMMDD-HHMMSS-PID in the first of these directories where
 * it can be made: ".", $TMPDIR, /tmp; "-2", "-3"... after it if a directory
 * of that name exists (a launcher of the same pid in another pid namespace
 * sharing this directory, in the same second). */
static char *hg_run_dir_default(bool *created)
{
	char cwd[PATH_MAX], name[64], *path;
	const char *bases[3] = { NULL, getenv("TMPDIR"), "/tmp" };
	time_t now = time(NULL);
	struct tm tm;

	if (getcwd(cwd, sizeof(cwd)) != NULL)
		bases[0] = cwd;
	localtime_r(&now, &tm);
	strftime(name, sizeof(name), "heapguard-run-%Y%m%d-%H%M%S", &tm);
	for (size_t b = 0; b < 3; b++) {
		if (bases[b] == NULL || bases[b][0] != '/')
			continue;
		for (int n = 1; n < 100; n++) {
			const char *sep = strcmp(bases[b], "/") == 0 ? "" : "/";

			if ((n == 1 ? asprintf(&path, "%s%s%s-%ld", bases[b], sep, name,
					       (long)getpid())
				    : asprintf(&path, "%s%s%s-%ld-%d", bases[b], sep, name,
					       (long)getpid(), n)) < 0)
				return NULL;
			if (!hg_run_dir_expressible(path)) {
				free(path);
				break;
			}
			if (mkdir(path, 0700) == 0 && chmod(path, 0700) == 0) {
				*created = true;
				return path;
			}
			free(path);
			if (errno != EEXIST)
				break;
		}
	}
	fprintf(stderr, "heapguard: cannot make a run directory in the current directory, "
			"$TMPDIR or /tmp (use --run-dir=DIR, or --no-run)\n");
	return NULL;
}

char *hg_run_dir_create(const char *requested, bool *created)
{
	char *path;

	*created = false;
	if (requested == NULL)
		return hg_run_dir_default(created);
	path = hg_absolute_path(requested);
	if (path == NULL) {
		fprintf(stderr, "heapguard: run directory %s: %s\n", requested, strerror(errno));
		return NULL;
	}
	if (!hg_run_dir_expressible(path)) {
		fprintf(stderr,
			"heapguard: run directory %s: the path must be shorter than %d bytes, "
			"with no ':' and no control character\n",
			path, HG_OPTION_STRING_MAX);
		free(path);
		return NULL;
	}
	if (hg_mkdir_parents(path, created) != 0) {
		fprintf(stderr, "heapguard: run directory %s: %s\n", path, strerror(errno));
		free(path);
		return NULL;
	}
	return path;
}

/* ---- a named run shared by several launchers ---- */

char *hg_run_part_create(const char *dir)
{
	char *part;

	if (asprintf(&part, "%s/.heapguard-launch-XXXXXX", dir) < 0)
		return NULL;
	if (!hg_run_dir_expressible(part)) {
		fprintf(stderr,
			"heapguard: run directory %s: the path must be shorter than %d bytes, "
			"with room for the launcher's part of it\n",
			dir, HG_OPTION_STRING_MAX - 28);
		free(part);
		return NULL;
	}
	/* mkdtemp makes it 0700 */
	if (mkdtemp(part) == NULL) {
		fprintf(stderr, "heapguard: run directory %s: %s\n", dir, strerror(errno));
		free(part);
		return NULL;
	}
	return part;
}

/* to (NAME.proc) is taken, as the run's journal is when another command
 * wrote to the run: link from to NAME.N.proc, the first N free.  Linked,
 * not copied: a process of the command still running that appends to the
 * journal after the move appends to the same file. */
static bool hg_link_numbered(const char *from, const char *to)
{
	size_t stem = strlen(to) - strlen(".proc");

	for (unsigned n = 1; n < 1000; n++) {
		char *alt;
		bool done;

		if (asprintf(&alt, "%.*s.%u.proc", (int)stem, to, n) < 0)
			return false;
		done = link(from, alt) == 0;
		free(alt);
		if (done)
			return true;
		if (errno != EEXIST)
			return false;
	}
	return false;
}

/* Move part's files of one kind (records or not) into dir: linked under the
 * same name, never replacing a file there, then unlinked.  Hidden names
 * are files still being written. */
static void hg_run_part_move(const char *part, const char *dir, bool records)
{
	size_t s = strlen(".proc");
	DIR *d = opendir(part);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		bool record = n > s && strcmp(e->d_name + n - s, ".proc") == 0;
		char *from, *to;

		if (e->d_name[0] == '.' || record != records)
			continue;
		if (asprintf(&from, "%s/%s", part, e->d_name) < 0)
			continue;
		if (asprintf(&to, "%s/%s", dir, e->d_name) < 0) {
			free(from);
			continue;
		}
		if (link(from, to) == 0 || (record && errno == EEXIST && hg_link_numbered(from, to)))
			unlink(from);
		free(from);
		free(to);
	}
	closedir(d);
}

void hg_run_part_merge(const char *part, const char *dir)
{
	/* the reports before the records that name them */
	hg_run_part_move(part, dir, false);
	hg_run_part_move(part, dir, true);
	rmdir(part); /* kept when a process of the command still writes in it */
}

/* ---- the command ---- */

static const int hg_forwarded[] = { SIGINT, SIGTERM, SIGHUP };
#define HG_FORWARDED (sizeof(hg_forwarded) / sizeof(hg_forwarded[0]))
static volatile pid_t hg_child; /* the command while it runs, else 0 */

/* A signal the terminal sent (SI_KERNEL) went to the whole foreground
 * process group, the command included: sending it again would make one
 * Ctrl-C two (Python's second KeyboardInterrupt).  One the command sent us
 * is not sent back (sudo relays signals the same way). */
static void hg_forward(int sig, siginfo_t *info, void *context)
{
	pid_t child = hg_child;
	int saved = errno;

	(void)context;
	if (child > 0 && info->si_code != SI_KERNEL && info->si_pid != child)
		kill(child, sig);
	errno = saved;
}

/* Catch the forwarded signals, except those the launcher was started with
 * ignored: the command inherits that and so should go on ignoring them. */
static void hg_forward_install(bool installed[HG_FORWARDED])
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = hg_forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < HG_FORWARDED; i++) {
		installed[i] = sigaction(hg_forwarded[i], NULL, &old) == 0 &&
			       old.sa_handler != SIG_IGN &&
			       sigaction(hg_forwarded[i], &sa, NULL) == 0;
	}
}

static void hg_forward_uninstall(const bool installed[HG_FORWARDED])
{
	for (size_t i = 0; i < HG_FORWARDED; i++)
		if (installed[i])
			signal(hg_forwarded[i], SIG_DFL);
}

int hg_run_command(char *const *argv, int *exec_errno)
{
	sigset_t forwarded, old;
	bool installed[HG_FORWARDED];
	int report[2], status = -1, err = 0;
	ssize_t n;
	pid_t pid;

	/* Blocked from before the fork until hg_child is set, so no signal
	 * meant for the command is lost in between. */
	sigemptyset(&forwarded);
	for (size_t i = 0; i < HG_FORWARDED; i++)
		sigaddset(&forwarded, hg_forwarded[i]);
	sigprocmask(SIG_BLOCK, &forwarded, &old);
	hg_forward_install(installed);
	/* the child reports a failed exec through a close-on-exec pipe */
	if (pipe2(report, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		*exec_errno = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	if (pid == 0) {
		close(report[0]);
		hg_forward_uninstall(installed);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[0], argv);
		err = errno;
		if (write(report[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	hg_child = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(report[1]);
	while ((n = read(report[0], &err, sizeof(err))) < 0 && errno == EINTR)
		;
	close(report[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	hg_child = 0;
	hg_forward_uninstall(installed);
	if (n == (ssize_t)sizeof(err)) {
		*exec_errno = err;
		return -1;
	}
	return status;
}

/* ---- the summary ---- */

/* $HEAPGUARD_REPORT, heapguard-report beside the launcher (the build tree,
 * or the same bindir once installed), the installed one.  NULL if none. */
static char *hg_reader_find(void)
{
	const char *env = getenv("HEAPGUARD_REPORT");
	char self[PATH_MAX], *slash, *path;
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return access(env, X_OK) == 0 ? strdup(env) : NULL;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			if (asprintf(&path, "%s/" HG_READER_NAME, self) < 0)
				return NULL;
			if (access(path, X_OK) == 0)
				return path;
			free(path);
		}
	}
	return access(HG_BINDIR "/" HG_READER_NAME, X_OK) == 0
		       ? strdup(HG_BINDIR "/" HG_READER_NAME)
		       : NULL;
}

/* Copy what is left of file f to stderr. */
static void hg_copy_to_stderr(FILE *f)
{
	char buf[4096];
	size_t n;

	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
}

/* heapguard-report --summary-line DIR, its line into line (NUL-terminated,
 * with its newline).  True when the reader ran, exited 0 and printed one
 * line starting "heapguard: "; then what it wrote on stderr (warnings about
 * damaged files) is passed on, before the line. */
static bool hg_reader_summary(const char *dir, char *line, size_t len)
{
	char *reader = hg_reader_find();
	FILE *errors = tmpfile();
	int out[2], status = -1;
	size_t used = 0;
	ssize_t n;
	pid_t pid = -1;
	bool ok;

	if (reader == NULL || errors == NULL || pipe2(out, O_CLOEXEC) != 0) {
		free(reader);
		if (errors != NULL)
			fclose(errors);
		return false;
	}
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(fileno(errors), STDERR_FILENO);
		execl(reader, reader, "--summary-line", dir, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	/* read it all (the reader must not block on a full pipe), keep the start */
	for (;;) {
		char sink[4096];
		char *to = used < len - 1 ? line + used : sink;
		size_t room = used < len - 1 ? len - 1 - used : sizeof(sink);

		n = read(out[0], to, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(out[0]);
	if (used > len - 1)
		used = len; /* too long to be the line */
	line[used < len ? used : len - 1] = '\0';
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ok = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && used < len &&
	     strncmp(line, "heapguard: ", 11) == 0 && strchr(line, '\n') == line + used - 1;
	if (ok)
		hg_copy_to_stderr(errors);
	fclose(errors);
	free(reader);
	return ok;
}

/* line with the last occurrence of from replaced by to, in place (len
 * bytes at most); unchanged when it does not fit. */
static void hg_replace_last(char *line, size_t len, const char *from, const char *to)
{
	size_t nf = strlen(from), nt = strlen(to), n = strlen(line);
	char *at = NULL;

	for (char *p = strstr(line, from); p != NULL; p = strstr(p + 1, from))
		at = p;
	if (at == NULL || nf == 0 || n - nf + nt >= len)
		return;
	memmove(at + nt, at + nf, n - (size_t)(at - line) - nf + 1);
	memcpy(at, to, nt);
}

void hg_run_summary(const char *read_dir, const char *dir, const struct hg_run_totals *totals)
{
	char line[HG_SUMMARY_MAX];

	if (hg_reader_summary(read_dir, line, sizeof(line))) {
		hg_replace_last(line, sizeof(line), read_dir, dir);
		fputs(line, stderr);
	} else {
		hg_records_summary_line(totals, read_dir, line, sizeof(line));
		hg_replace_last(line, sizeof(line), read_dir, dir);
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
}
