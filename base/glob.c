/* SPDX-License-Identifier: MIT */
/* The glob matcher of only= and skip=; see glob.h.  Iterative: a '*'
 * remembers where it was, and a mismatch later retries one byte further
 * along, so the cost is at most pattern length times string length and the
 * stack stays flat whatever the input. */
#include "glob.h"

/* One "[...]" at pat[0] (pat[0] == '['), against byte c.  *used: bytes of
 * the set, ']' included; 0 when it is not closed (then not a set). */
static bool set_match(const char *pat, size_t plen, unsigned char c, size_t *used)
{
	size_t i = 1;
	bool negate = false, found = false;
	if (i < plen && (pat[i] == '!' || pat[i] == '^')) {
		negate = true;
		i++;
	}
	size_t first = i;
	for (; i < plen; i++) {
		if (pat[i] == ']' && i > first) {
			*used = i + 1;
			return found != negate;
		}
		unsigned char lo = (unsigned char)pat[i];
		if (lo == '\\' && i + 1 < plen)
			lo = (unsigned char)pat[++i];
		unsigned char hi = lo;
		if (i + 2 < plen && pat[i + 1] == '-' && pat[i + 2] != ']') {
			i += 2;
			hi = (unsigned char)pat[i];
			if (hi == '\\' && i + 1 < plen)
				hi = (unsigned char)pat[++i];
		}
		if (lo <= c && c <= hi)
			found = true;
	}
	*used = 0;
	return false;
}

bool hg_glob_match(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t p = 0, i = 0;
	size_t star_p = (size_t)-1, star_i = 0; /* after the last '*', and where it resumes */
	while (i < slen) {
		if (p < plen) {
			char c = pat[p];
			if (c == '*') {
				star_p = ++p;
				star_i = i;
				continue;
			}
			if (c == '?') {
				p++;
				i++;
				continue;
			}
			if (c == '[') {
				size_t used;
				bool in = set_match(pat + p, plen - p, (unsigned char)s[i], &used);
				if (used > 0) {
					if (in) {
						p += used;
						i++;
						continue;
					}
					goto mismatch;
				}
				/* not a set: a literal '[' */
			}
			if (c == '\\' && p + 1 < plen)
				c = pat[++p];
			if (c == s[i]) {
				p++;
				i++;
				continue;
			}
		}
mismatch:
		if (star_p == (size_t)-1)
			return false;
		p = star_p;
		i = ++star_i;
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

bool hg_glob_list_match(const char *list, const char *path)
{
	const char *base = path;
	for (const char *c = path; *c != '\0'; c++)
		if (*c == '/')
			base = c + 1;
	size_t path_len = 0, base_len = 0;
	while (path[path_len] != '\0')
		path_len++;
	while (base[base_len] != '\0')
		base_len++;
	const char *g = list;
	while (*g != '\0') {
		size_t n = 0;
		bool slash = false;
		while (g[n] != '\0' && g[n] != ',') {
			slash |= g[n] == '/';
			n++;
		}
		if (n > 0 && (slash ? hg_glob_match(g, n, path, path_len)
				    : hg_glob_match(g, n, base, base_len)))
			return true;
		g += n;
		if (*g == ',')
			g++;
	}
	return false;
}
