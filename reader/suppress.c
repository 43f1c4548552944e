/* SPDX-License-Identifier: MIT */
/* Suppression files and matching (see suppress.h); lines of LeakSanitizer's
 * other types are skipped, as the library skips them.  A pattern matches as
 * format/suppressions.h says, the library's own matcher. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suppress.h"

#define HG_SUPP_LINE_MAX 4096

static char *hg_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static int hg_supp_add(struct hg_suppressions *supp, const char *pattern)
{
	struct hg_supp_rule *rule;

	if (supp->nrules == supp->cap) {
		size_t cap = supp->cap ? supp->cap * 2 : 8;
		struct hg_supp_rule *rules = realloc(supp->rules, cap * sizeof(*rules));

		if (!rules)
			return -1;
		supp->rules = rules;
		supp->cap = cap;
	}
	rule = &supp->rules[supp->nrules];
	memset(rule, 0, sizeof(*rule));
	rule->pattern = strdup(pattern);
	if (!rule->pattern)
		return -1;
	supp->nrules++;
	return 0;
}

int hg_supp_load(struct hg_suppressions *supp, const char *path, char *err, size_t errlen)
{
	char buf[HG_SUPP_LINE_MAX + 2];
	unsigned long line = 0;
	FILE *in = fopen(path, "re");

	if (!in) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), in)) {
		char *s;

		line++;
		if (!strchr(buf, '\n') && !feof(in)) {
			snprintf(err, errlen, "%s:%lu: line longer than %d bytes", path, line,
				 HG_SUPP_LINE_MAX);
			goto fail;
		}
		s = hg_trim(buf);
		if (!*s || *s == '#')
			continue;
		if (strncmp(s, "leak:", 5) != 0) {
			/* Another sanitizer's type (called_from_lib:, interceptor_via_fun:,
			 * ...): the file may be shared with LeakSanitizer's. */
			if (s[strspn(s, "abcdefghijklmnopqrstuvwxyz_")] == ':' && *s != ':')
				continue;
			snprintf(err, errlen,
				 "%s:%lu: not a 'TYPE:PATTERN' line (heapguard reads leak:PATTERN "
				 "lines and skips the other types)",
				 path, line);
			goto fail;
		}
		s = hg_trim(s + 5);
		if (!*s) {
			snprintf(err, errlen, "%s:%lu: empty pattern after 'leak:'", path, line);
			goto fail;
		}
		if (hg_supp_add(supp, s) < 0) {
			snprintf(err, errlen, "%s:%lu: out of memory", path, line);
			goto fail;
		}
	}
	if (ferror(in)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		goto fail;
	}
	fclose(in);
	return 0;
fail:
	fclose(in);
	return -1;
}

void hg_supp_free(struct hg_suppressions *supp)
{
	size_t i;

	for (i = 0; i < supp->nrules; i++)
		free(supp->rules[i].pattern);
	free(supp->rules);
	memset(supp, 0, sizeof(*supp));
}

static bool hg_rule_matches(const char *pattern, const struct hg_leaks *r,
			    const struct hg_symbolizer *sym, const struct hg_leak_site *site)
{
	const struct hg_leak_frame *frames = NULL;
	unsigned i, j, count;

	frames = hg_leaks_stack_frames(r, site, &count);
	for (i = 0; i < count; i++) {
		const struct hg_sym_frame *sf = hg_sym_frame(sym, (size_t)(frames - r->frames) + i);

		if (frames[i].module != HG_NO_MODULE &&
		    hg_supp_pattern_match(pattern, r->modules[frames[i].module].path))
			return true;
		for (j = 0; j < sf->count; j++)
			if (hg_supp_pattern_match(pattern, sf->entries[j].function) ||
			    hg_supp_pattern_match(pattern, sf->entries[j].file))
				return true;
	}
	return false;
}

struct hg_supp_rule *hg_supp_match(struct hg_suppressions *supp, const struct hg_leaks *r,
				   const struct hg_symbolizer *sym, const struct hg_leak_site *site)
{
	size_t i;

	for (i = 0; i < supp->nrules; i++) {
		struct hg_supp_rule *rule = &supp->rules[i];

		if (!hg_rule_matches(rule->pattern, r, sym, site))
			continue;
		rule->sites++;
		rule->bytes += site->bytes;
		rule->blocks += site->blocks;
		supp->sites++;
		supp->amount.bytes += site->bytes;
		supp->amount.blocks += site->blocks;
		return rule;
	}
	return NULL;
}
