/* SPDX-License-Identifier: MIT */
/* File names for reports and log=; see path.h. */
#define _GNU_SOURCE
#include "path.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"

/* The program's path, read once: a fork child runs the same program (exec
 * starts this library afresh) and inherits it, so a shell's subshells each
 * save a readlink of /proc/self/exe, which costs a path lookup in /proc. */
static char exe_path[HG_PATH_EXE_MAX];
static int exe_state; /* EXE_* */
enum { EXE_UNKNOWN, EXE_READING, EXE_KNOWN };

static void read_exe(char *exe, size_t len)
{
	int saved = errno;
	ssize_t n = readlink("/proc/self/exe", exe, len - 1);
	exe[n > 0 ? n : 0] = '\0';
	errno = saved;
}

void hg_path_exe_read(void)
{
	/* Read before the exchange, which writes even when it fails: a write
	 * at every fork would cost a shell a page fault a subshell, its page
	 * being shared with the last child. */
	if (__atomic_load_n(&exe_state, __ATOMIC_ACQUIRE) == EXE_KNOWN)
		return;
	int expected = EXE_UNKNOWN;
	if (!__atomic_compare_exchange_n(&exe_state, &expected, EXE_READING, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	read_exe(exe_path, sizeof(exe_path));
	/* Not known (no /proc yet, in a sandbox): asked again next time. */
	__atomic_store_n(&exe_state, exe_path[0] != '\0' ? EXE_KNOWN : EXE_UNKNOWN,
			 __ATOMIC_RELEASE);
}

void hg_path_exe(char *exe, size_t len)
{
	hg_path_exe_read();
	if (__atomic_load_n(&exe_state, __ATOMIC_ACQUIRE) != EXE_KNOWN) {
		read_exe(exe, len); /* another thread is reading it */
		return;
	}
	size_t n = strnlen(exe_path, len - 1);
	memcpy(exe, exe_path, n);
	exe[n] = '\0';
}

const char *hg_path_base(const char *path)
{
	const char *base = path;
	for (const char *c = path; *c != '\0'; c++)
		if (*c == '/')
			base = c + 1;
	return base;
}

void hg_path_expand(char *out, size_t len, const char *pattern, const char *exe, time_t now)
{
	size_t o = 0;
	for (const char *p = pattern; *p && o + 1 < len; p++) {
		if (*p != '%' || p[1] == '\0') {
			out[o++] = *p;
			continue;
		}
		p++;
		if (*p == 'e')
			o += hg_fmt(out + o, len - o, "%s", exe[0] ? hg_path_base(exe) : "unknown");
		else if (*p == 'p')
			o += hg_fmt(out + o, len - o, "%d", (int)getpid());
		else if (*p == 't')
			o += hg_fmt(out + o, len - o, "%lu", (unsigned long)now);
		else if (*p == '%')
			out[o++] = '%';
		else
			o += hg_fmt(out + o, len - o, "%%%c", *p);
	}
	out[o < len ? o : len - 1] = '\0';
}
