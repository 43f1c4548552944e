/* SPDX-License-Identifier: MIT */
/* LeakSanitizer's suppression patterns, "leak:PATTERN", as both the
 * library's suppressions= (report/suppress.c) and heapguard-report's
 * --suppressions (reader/suppress.c) match them, so that a rule means the
 * same in both: PATTERN matches a substring of a frame's function name,
 * source file or module path; '*' is any run of bytes, a leading '^' and a
 * trailing '$' anchor it.  No allocation: the library matches at exit.
 * The matcher is the usual greedy glob with one backtrack point, so no
 * pattern costs more than its length times the text's. */
#ifndef HG_FORMAT_SUPPRESSIONS_H
#define HG_FORMAT_SUPPRESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* pattern[0..plen) against text, '*' only; any_start and any_end act as an
 * implicit '*' before and after the pattern. */
static inline bool hg_supp_glob(const char *pattern, size_t plen, const char *text,
				bool any_start, bool any_end)
{
	size_t p = 0, star = any_start ? 0 : (size_t)-1;
	const char *t = text, *retry = text;

	for (;;) {
		if (any_end && p == plen)
			return true;
		if (!*t)
			break;
		if (p < plen && pattern[p] == '*') {
			star = ++p;
			retry = t;
		} else if (p < plen && pattern[p] == *t) {
			p++;
			t++;
		} else if (star != (size_t)-1) {
			p = star;
			t = ++retry;
		} else {
			return false;
		}
	}
	while (p < plen && pattern[p] == '*')
		p++;
	return p == plen;
}

/* Does the rule's PATTERN match text (NULL: nothing known, no match)? */
static inline bool hg_supp_pattern_match(const char *pattern, const char *text)
{
	size_t len = strlen(pattern);
	bool start = len > 0 && pattern[0] == '^';
	bool end = len > (size_t)start && pattern[len - 1] == '$';

	if (!text)
		return false;
	return hg_supp_glob(pattern + start, len - start - end, text, !start, !end);
}

#endif
