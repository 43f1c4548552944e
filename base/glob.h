/* SPDX-License-Identifier: MIT */
/* Shell-style globs for only= and skip=, matched without allocating (libc's
 * fnmatch may call malloc, which heapguard must never recurse into). */
#ifndef HG_GLOB_H
#define HG_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* Does the glob pat[0..plen) match all of s[0..slen)?  '*' any run of bytes
 * ('/' too), '?' one byte, "[...]" one byte of a set (ranges a-z; '!' or
 * '^' first negates; a ']' first is a member), '\' makes the next byte
 * literal.  A malformed set ("[" unclosed) matches a literal '['. */
bool hg_glob_match(const char *pat, size_t plen, const char *s, size_t slen);

/* Does one glob of the comma-separated list match the program?  A glob
 * with a '/' is matched against path, one without against its last
 * component.  Empty globs (",,") match nothing. */
bool hg_glob_list_match(const char *list, const char *path);

#endif
