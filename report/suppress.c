/* SPDX-License-Identifier: MIT */
/* suppressions=; see suppress.h.  The file is kept in its own mapping with
 * each line NUL-terminated in place; the rules point into it.  Only leak:
 * rules apply; LSan's other types are read and ignored. */
#define _GNU_SOURCE
#include "suppress.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/fmt.h"
#include "../format/suppressions.h"
#include "../base/options.h"
#include "scan.h"
#include "../stack/stack.h"
#include "../stack/symtab.h"

#define HG_SUPPRESS_RULES 512

static const char *rules[HG_SUPPRESS_RULES];
static unsigned nrules;
static bool loaded;

static void say_bad(const char *path, unsigned line, const char *why)
{
	if (line != 0)
		hg_fmt_fd(2, "heapguard: suppressions=%s:%u: %s; no leak is suppressed\n", path, line,
			  why);
	else
		hg_fmt_fd(2, "heapguard: suppressions=%s: %s; no leak is suppressed\n", path, why);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line, NUL-terminated in place: true if it is fine. */
static bool take_line(char *l, const char **why)
{
	while (is_space(*l))
		l++;
	size_t n = strlen(l);
	while (n > 0 && is_space(l[n - 1]))
		l[--n] = '\0';
	if (n == 0 || l[0] == '#')
		return true;
	char *colon = strchr(l, ':');
	if (colon == NULL || colon == l) {
		*why = "not TYPE:PATTERN";
		return false;
	}
	if (colon[1] == '\0') {
		*why = "an empty pattern";
		return false;
	}
	if ((size_t)(colon - l) != 4 || memcmp(l, "leak", 4) != 0)
		return true; /* called_from_lib:, interceptor_via_fun:, ...: not ours */
	if (nrules == HG_SUPPRESS_RULES) {
		*why = "more than 512 leak rules";
		return false;
	}
	rules[nrules++] = colon + 1;
	return true;
}

static void load(void)
{
	const char *path = hg_config.options.suppressions;
	loaded = true;
	if (path[0] == '\0')
		return;
	struct stat st;
	int saved = errno;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		say_bad(path, 0,
			errno == 0 || S_ISDIR(st.st_mode) ? "not a regular file"
			: strerrordesc_np(errno)	    ? strerrordesc_np(errno)
							    : "cannot read it");
		errno = saved;
		return;
	}
	errno = saved;
	size_t len, map_len;
	char *text = hg_scan_read_file(path, &len, &map_len);
	if (text == NULL) {
		say_bad(path, 0, "cannot read it");
		return;
	}
	if (len == map_len) {
		say_bad(path, 0, "too large");
		return;
	}
	text[len] = '\0';
	unsigned line = 1;
	const char *why = NULL;
	for (char *l = text; l < text + len; line++) {
		char *nl = memchr(l, '\n', (size_t)(text + len - l));
		if (nl != NULL)
			*nl = '\0';
		if (memchr(l, '\0', (size_t)(text + len - l)) != (nl ? nl : text + len)) {
			why = "a NUL byte";
			break;
		}
		if (!take_line(l, &why))
			break;
		if (nl == NULL)
			break;
		l = nl + 1;
	}
	if (why != NULL) {
		nrules = 0;
		say_bad(path, line, why);
		hg_scan_unmap(text, map_len);
	}
	/* Otherwise the mapping stays: the rules point into it. */
}

const char *hg_suppress_match(uint32_t stack)
{
	if (!loaded)
		load();
	const uintptr_t *pcs;
	unsigned n = nrules > 0 && stack != 0 ? hg_stack_frames(stack, &pcs) : 0;
	for (unsigned f = 0; f < n; f++) {
		char name[512];
		const char *module;
		hg_symtab_function(pcs[f], name, sizeof(name), &module);
		for (unsigned r = 0; r < nrules; r++)
			if ((name[0] != '\0' && hg_supp_pattern_match(rules[r], name)) ||
			    (module[0] != '\0' && hg_supp_pattern_match(rules[r], module)))
				return rules[r];
	}
	return NULL;
}
