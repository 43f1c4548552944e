/* SPDX-License-Identifier: MIT */
/* hg_env_read, the reader of /proc/self/environ used when malloc runs before
 * libc has set environ: it keeps heapguard's variables in order however
 * large the environment around them, and drops an entry that does not fit
 * or is unterminated rather than keep a truncated (valid, wrong) value. */
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>

#include "../lib/hgtest.h"
#include "../../base/options.h"

/* Feeds data[0..n) through a pipe (from a child, so any size works). */
static size_t read_through_pipe(const char *data, size_t n, char *buf, size_t len,
				char **envp, size_t slots)
{
	int fds[2];
	pid_t pid;
	size_t count;

	CHECK(pipe(fds) == 0, "pipe");
	pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		close(fds[0]);
		while (n > 0) {
			ssize_t w = write(fds[1], data, n);
			if (w <= 0)
				_exit(1);
			data += w;
			n -= (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	count = hg_env_read(fds[0], buf, len, envp, slots);
	close(fds[0]);
	CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
	return count;
}

static char *append(char *p, const char *s)
{
	size_t n = strlen(s) + 1;
	memcpy(p, s, n);
	return p + n;
}

int main(void)
{
	static char env[4 << 20], buf[4096];
	char *envp[8], *p = env;
	size_t n;

	/* A megabyte of other variables, ours among and after them. */
	p = append(p, "PATH=/usr/bin");
	p = append(p, "MALLOC_PERTURB_=7");
	for (int i = 0; i < 8; i++) {
		memcpy(p, "JUNK=", 5);
		memset(p + 5, 'j', 128 * 1024 - 6);
		p[128 * 1024 - 1] = '\0';
		p += 128 * 1024;
	}
	p = append(p, "GLIBC_TUNABLES=glibc.malloc.check=1");
	p = append(p, "MALLOC_X");
	p = append(p, "HEAPGUARD_OPTIONS=verbose=1");
	p = append(p, "HEAPGUARD_OPTIONSX=1");
	n = read_through_pipe(env, (size_t)(p - env), buf, sizeof(buf), envp, 8);
	CHECK(n == 4, "kept %zu entries", n);
	CHECK(strcmp(envp[0], "MALLOC_PERTURB_=7") == 0, "%s", envp[0]);
	CHECK(strcmp(envp[1], "GLIBC_TUNABLES=glibc.malloc.check=1") == 0, "%s", envp[1]);
	CHECK(strcmp(envp[2], "MALLOC_X") == 0, "%s", envp[2]);
	CHECK(strcmp(envp[3], "HEAPGUARD_OPTIONS=verbose=1") == 0, "%s", envp[3]);
	CHECK(envp[4] == NULL, "no terminating NULL");

	/* One of ours too large for the buffer is dropped whole; the next
	 * one still fits in the room it leaves. */
	p = env;
	memcpy(p, "HEAPGUARD_OPTIONS=report=", 25);
	memset(p + 25, 'r', sizeof(buf));
	p[25 + sizeof(buf)] = '\0';
	p += 26 + sizeof(buf);
	p = append(p, "MALLOC_CHECK_=1");
	n = read_through_pipe(env, (size_t)(p - env), buf, sizeof(buf), envp, 8);
	CHECK(n == 1 && strcmp(envp[0], "MALLOC_CHECK_=1") == 0, "n=%zu", n);

	/* An entry that exactly fills the buffer, NUL included, is kept;
	 * one byte more and it is dropped. */
	p = env;
	memcpy(p, "MALLOC_TOP_PAD_=", 16);
	memset(p + 16, '1', sizeof(buf) - 17);
	p[sizeof(buf) - 1] = '\0';
	n = read_through_pipe(env, sizeof(buf), buf, sizeof(buf), envp, 8);
	CHECK(n == 1 && strlen(envp[0]) == sizeof(buf) - 1, "n=%zu", n);
	n = read_through_pipe(env, sizeof(buf), buf, sizeof(buf) - 1, envp, 8);
	CHECK(n == 0 && envp[0] == NULL, "n=%zu", n);

	/* An unterminated last entry (a short read of the file) is dropped:
	 * "report=/tmp/hg/x" cut to "report=/tm" would be valid and wrong. */
	p = append(env, "MALLOC_CHECK_=1");
	memcpy(p, "HEAPGUARD_OPTIONS=report=/tm", 28);
	n = read_through_pipe(env, (size_t)(p - env) + 28, buf, sizeof(buf), envp, 8);
	CHECK(n == 1 && strcmp(envp[0], "MALLOC_CHECK_=1") == 0, "n=%zu", n);

	/* No more entries than slots - 1; no slots at all reads nothing. */
	p = env;
	for (int i = 0; i < 5; i++)
		p = append(p, "MALLOC_ARENA_MAX=2");
	n = read_through_pipe(env, (size_t)(p - env), buf, sizeof(buf), envp, 3);
	CHECK(n == 2 && envp[2] == NULL, "n=%zu", n);
	n = read_through_pipe(env, (size_t)(p - env), buf, sizeof(buf), envp, 0);
	CHECK(n == 0, "n=%zu", n);

	/* Empty input and an empty entry. */
	n = read_through_pipe(env, 0, buf, sizeof(buf), envp, 8);
	CHECK(n == 0 && envp[0] == NULL, "n=%zu", n);
	n = read_through_pipe("\0\0", 2, buf, sizeof(buf), envp, 8);
	CHECK(n == 0 && envp[0] == NULL, "n=%zu", n);
	puts("PASS: env_read");
	return 0;
}
