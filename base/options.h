/* SPDX-License-Identifier: MIT */
/* The configuration: glibc's malloc parameters (params.h, params.def) and
 * heapguard's own options (HEAPGUARD_OPTIONS, declared once in options.def),
 * their parser, loading them from the environment or the secure file, and
 * printing them.  Nothing here allocates or uses stdio: it runs inside the
 * very first malloc call, and the launcher links the same files. */
#ifndef HG_OPTIONS_H
#define HG_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "params.h"

/* The configuration of set-user-ID and set-group-ID programs, which ignore
 * the environment: root-owned, writable by root only, the option syntax of
 * HEAPGUARD_OPTIONS (one or more options a line, '#' comments). */
#define HG_SECURE_CONFIG "/etc/heapguard.conf"
#define HG_CONFIG_FILE_MAX 4096 /* bytes; a larger file is ignored */

/* ---- heapguard's options (options.c) ---- */

/* The value syntax of each option (heapguard(7), HEAPGUARD_OPTIONS):
 * INT decimal or 0x hexadecimal with an optional K, M or G suffix; BOOL
 * 1/true/yes/on or 0/false/no/off; ENUM a name or its index; STRING any
 * bytes but control characters and ':'; SIGNAL a string that is empty or
 * names a signal hg_signal_parse accepts.  Words in any case. */
enum hg_option_type { HG_TYPE_INT, HG_TYPE_BOOL, HG_TYPE_STRING, HG_TYPE_ENUM, HG_TYPE_SIGNAL };
#define HG_OPTION_STRING_MAX 256

/* One field per HG_OPTION line of options.def.  An HG_TYPE_ENUM field is a
 * long holding the index of the chosen name; a SIGNAL field holds the name
 * as given. */
struct hg_options {
#define HG_OPTION(name, type, def, min, max, choices, help) HG_FIELD_##type(name)
#define HG_FIELD_HG_TYPE_INT(name) long name;
#define HG_FIELD_HG_TYPE_BOOL(name) bool name;
#define HG_FIELD_HG_TYPE_STRING(name) char name[HG_OPTION_STRING_MAX];
#define HG_FIELD_HG_TYPE_ENUM(name) long name;
#define HG_FIELD_HG_TYPE_SIGNAL(name) char name[HG_OPTION_STRING_MAX];
#include "options.def"
#undef HG_OPTION
};

/* The values of the enum options, in the order of their "choices" in
 * options.def (tests/unit/test_options.c checks that they agree). */
enum hg_level {
	HG_LEVEL_FAST = 0, /* level=fast */
	HG_LEVEL_FULL = 1, /* level=full, the default */
};

/* Index of each option in options.def order: HG_OPTION_ID_check, ... */
enum hg_option_id {
#define HG_OPTION(name, type, def, min, max, choices, help) HG_OPTION_ID_##name,
#include "options.def"
#undef HG_OPTION
	HG_OPTION_COUNT
};

/* One bad token of an option string: the token (pointing into the parsed
 * string, not NUL-terminated) and a short static reason. */
struct hg_parse_error {
	const char *token;
	size_t token_len;
	const char *reason;
};
typedef void hg_parse_error_fn(void *arg, const struct hg_parse_error *err);

/* Parse an option string ("key=value:key=value", empty tokens allowed) into
 * opts token by token: each good token applies, and its option's source in
 * sources (may be NULL) becomes source; each bad token changes nothing and
 * goes to on_error (may be NULL).  Returns the number of bad tokens. */
size_t hg_options_parse(struct hg_options *opts, enum hg_source *sources, enum hg_source source,
			const char *str, hg_parse_error_fn *on_error, void *arg);

/* "bad token 'TOKEN' (REASON)" into buf (NUL-terminated, truncated), the
 * token cut after 48 bytes and escaped; returns its length. */
size_t hg_parse_error_text(const struct hg_parse_error *err, char *buf, size_t len);

/* report_signal's value s[0..n): a signal name in any case, with or without
 * "SIG" (SIGUSR2, usr2, RTMIN+3), or a number, of a signal heapguard may
 * catch.  Returns the signal, or 0 with *why set. */
int hg_signal_parse(const char *s, size_t n, const char **why);

/* Iterating the option table. */
int hg_option_count(void);
const char *hg_option_name(int i); /* NULL when out of range */
bool hg_option_exists(const char *name, size_t len);
/* Name of value of enum option i, not NUL-terminated: its length goes to
 * *len.  NULL when i is not an enum option or value is out of range. */
const char *hg_option_choice(int i, long value, size_t *len);

/* ---- the process's configuration (config.c) ---- */

struct hg_config {
	struct hg_params params;
	struct hg_options options;
	enum hg_source option_source[64]; /* per option, in options.def order */
	bool skipped; /* only=/skip= leave this program unchecked (level=fast) */
};
_Static_assert(HG_OPTION_COUNT <= 64, "grow hg_config.option_source");

/* The process's configuration, loaded at the first malloc (lib/init.c) and
 * changed only by mallopt. */
extern struct hg_config hg_config;

/* Fill cfg with defaults, then apply MALLOC_*, GLIBC_TUNABLES and
 * HEAPGUARD_OPTIONS from envp (NULL: defaults only).  With secure (AT_SECURE)
 * the environment is ignored.  Each bad token of HEAPGUARD_OPTIONS is
 * ignored with one warning line on fd 2 (at most 10, then one line counting
 * the rest); every good one applies. */
void hg_config_load(struct hg_config *cfg, char *const *envp, bool secure);
/* Last thing hg_config_load does: only= and skip= against /proc/self/exe.
 * A program not selected is skipped: cfg->skipped, and level=fast. */
void hg_config_select(struct hg_config *cfg);

/* After hg_config_load(..., secure = true): no report files (leaks=0)
 * unless the file at path (HG_SECURE_CONFIG) turns them on.  The file is
 * read only if it is a regular file, owned by root and not writable by
 * group or others; otherwise, or if any option in it is bad, one warning
 * line goes to fd 2 and nothing from the file applies. */
void hg_config_load_secure(struct hg_config *cfg, const char *path);

/* The environment as /proc/self/environ holds it (NUL-terminated entries),
 * for when malloc runs before libc has set environ: keeps the entries
 * hg_config_load reads (MALLOC_*, GLIBC_TUNABLES, HEAPGUARD_OPTIONS) in
 * buf[0..len), in order, with pointers in envp (slots pointers, the last a
 * NULL).  An entry that does not fit is dropped whole, never truncated.
 * Returns the number of entries. */
size_t hg_env_read(int fd, char *buf, size_t len, char **envp, size_t slots);

/* ---- printing (config_print.c) ---- */

/* verbose=1: one line "heapguard: <name> = <value> (<source>)" per glibc
 * parameter and per option, written to fd with write(2). */
void hg_config_print(const struct hg_config *cfg, int fd);

/* `heapguard --help-options`: one line per option of options.def
 * (NAME TYPE DEFAULT [RANGE] HELP); then one per glibc parameter the
 * launcher sets as --name=VALUE (those no option of the same name hides);
 * then what each type's values may be. */
void hg_options_help(int fd);
void hg_params_help(int fd);
void hg_options_help_values(int fd);

#endif
