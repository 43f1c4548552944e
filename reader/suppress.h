/* SPDX-License-Identifier: MIT */
/* LeakSanitizer-style suppressions: "leak:PATTERN" lines, where PATTERN
 * matches a substring ('*' any run of bytes, '^' and '$' anchor it) of a
 * frame's function name, source file or module path.  A site is suppressed
 * by the first rule, in file order, that matches any of its frames. */
#ifndef HG_READER_SUPPRESS_H
#define HG_READER_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../format/suppressions.h"
#include "leak_report.h"
#include "symbolize.h"

struct hg_supp_rule {
	char *pattern;		       /* after "leak:" */
	uint64_t sites, bytes, blocks; /* what it suppressed */
};

struct hg_suppressions {
	struct hg_supp_rule *rules;
	size_t nrules, cap;
	uint64_t sites; /* suppressed over all rules */
	struct hg_leak_amount amount;
};

/* Adds the rules of path: 0, or -1 and "PATH:LINE: why" in err. */
int hg_supp_load(struct hg_suppressions *supp, const char *path, char *err, size_t errlen);
void hg_supp_free(struct hg_suppressions *supp);


/* The first rule matching a frame of site (counted in it), or NULL. */
struct hg_supp_rule *hg_supp_match(struct hg_suppressions *supp, const struct hg_leaks *report,
				   const struct hg_symbolizer *sym,
				   const struct hg_leak_site *site);

#endif
