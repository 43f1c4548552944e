/* SPDX-License-Identifier: MIT */
/* The names of the files heapguard writes: the program's path and the
 * expansion of %e %p %t %% in report= and log=.  Nothing here allocates. */
#ifndef HG_PATH_H
#define HG_PATH_H

#include <stddef.h>
#include <time.h>

#define HG_PATH_EXE_MAX 4096

/* The program's path from /proc/self/exe ("" if unknown), truncated to
 * len - 1.  Read once per process. */
void hg_path_exe(char *exe, size_t len);

/* Read it now if it is not known yet: before fork, so that every child
 * inherits it. */
void hg_path_exe_read(void);

/* The last component of path. */
const char *hg_path_base(const char *path);

/* pattern with %e (the program's name: exe's last component, "unknown"
 * when exe is ""), %p (the pid), %t (now, in seconds) and %% (a percent
 * sign) replaced; any other %x is kept as it is.  Truncated to len - 1. */
void hg_path_expand(char *out, size_t len, const char *pattern, const char *exe, time_t now);

#endif
