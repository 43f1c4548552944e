/* SPDX-License-Identifier: MIT */
/* suppressions=: LeakSanitizer-style leak:PATTERN rules, read once when the
 * first leak report needs them, matched (format/suppressions.h) against
 * the function names and module paths of a site's frames.  Nothing here
 * calls malloc. */
#ifndef HG_SUPPRESS_H
#define HG_SUPPRESS_H

#include <stdint.h>

/* The rule that suppresses the stack with this id (its PATTERN), or NULL.
 * The file is read at the first call; a bad or unreadable file gives one
 * line on stderr and no rules. */
const char *hg_suppress_match(uint32_t stack);

#endif
