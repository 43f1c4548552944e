/* SPDX-License-Identifier: MIT */
/* File names for reports and log=; see path.h. */
#define _GNU_SOURCE
#include "path.h"

#include <errno.h>
#include <unistd.h>

#include "fmt.h"

void hg_path_exe(char *exe, size_t len)
{
	int saved = errno;
	ssize_t n = readlink("/proc/self/exe", exe, len - 1);
	exe[n > 0 ? n : 0] = '\0';
	errno = saved;
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
