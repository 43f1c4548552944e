/* SPDX-License-Identifier: MIT */
/* The effective configuration: glibc's malloc parameters (MALLOC_* variables,
 * GLIBC_TUNABLES, mallopt) and heapguard's own options (HEAPGUARD_OPTIONS,
 * declared once in base/options.def).  Loading it allocates nothing: it runs
 * inside the very first malloc call. */
#ifndef HG_OPTIONS_H
#define HG_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* Where an effective value came from (reported by verbose=1 and, later, in
 * the report headers).  Later sources override earlier ones. */
enum hg_source {
	HG_SOURCE_DEFAULT = 0,
	HG_SOURCE_MALLOC_ENV,	 /* MALLOC_CHECK_, MALLOC_TOP_PAD_, ... */
	HG_SOURCE_TUNABLES,	 /* GLIBC_TUNABLES=glibc.malloc.* */
	HG_SOURCE_HEAPGUARD_ENV, /* HEAPGUARD_OPTIONS */
	HG_SOURCE_MALLOPT,	 /* mallopt() at run time */
	HG_SOURCE_CONFIG_FILE,	 /* HG_SECURE_CONFIG, in AT_SECURE processes only */
};

/* The configuration of set-user-ID and set-group-ID programs, which ignore
 * the environment: root-owned, writable by root only, the option syntax of
 * HEAPGUARD_OPTIONS (one or more options a line, '#' comments). */
#define HG_SECURE_CONFIG "/etc/heapguard.conf"
#define HG_CONFIG_FILE_MAX 4096 /* bytes; a larger file is ignored */

/* glibc 2.36's malloc parameters, with glibc's defaults and validity rules. */
enum hg_param {
	HG_PARAM_CHECK,			/* glibc.malloc.check, MALLOC_CHECK_: 0..3 */
	HG_PARAM_TOP_PAD,		/* glibc.malloc.top_pad, MALLOC_TOP_PAD_ */
	HG_PARAM_PERTURB,		/* glibc.malloc.perturb, MALLOC_PERTURB_: 0..255 */
	HG_PARAM_MMAP_THRESHOLD,	/* glibc.malloc.mmap_threshold, MALLOC_MMAP_THRESHOLD_ */
	HG_PARAM_TRIM_THRESHOLD,	/* glibc.malloc.trim_threshold, MALLOC_TRIM_THRESHOLD_ */
	HG_PARAM_MMAP_MAX,		/* glibc.malloc.mmap_max, MALLOC_MMAP_MAX_ */
	HG_PARAM_ARENA_MAX,		/* glibc.malloc.arena_max, MALLOC_ARENA_MAX */
	HG_PARAM_ARENA_TEST,		/* glibc.malloc.arena_test, MALLOC_ARENA_TEST */
	HG_PARAM_TCACHE_MAX,		/* glibc.malloc.tcache_max (bytes) */
	HG_PARAM_TCACHE_COUNT,		/* glibc.malloc.tcache_count */
	HG_PARAM_TCACHE_UNSORTED_LIMIT, /* glibc.malloc.tcache_unsorted_limit */
	HG_PARAM_MXFAST,		/* glibc.malloc.mxfast */
	HG_PARAM_HUGETLB,		/* glibc.malloc.hugetlb: 0, 1 or 2 */
	HG_PARAM_COUNT
};

struct hg_params {
	size_t value[HG_PARAM_COUNT];	     /* effective value */
	bool set[HG_PARAM_COUNT];	     /* given explicitly (disables the dynamic mmap threshold) */
	enum hg_source source[HG_PARAM_COUNT];
};

/* glibc 2.36's defaults on 64-bit and the bounds its do_set_* functions and
 * dl-tunables.list enforce (checked against Debian 12's glibc 2.36: it has no
 * upper bound on mmap_threshold, neither for mallopt nor for the tunable). */
#define HG_DEFAULT_MMAP_THRESHOLD (128 * 1024)
#define HG_DEFAULT_TRIM_THRESHOLD (128 * 1024)
#define HG_DEFAULT_TOP_PAD	  (128 * 1024) /* DEFAULT_TOP_PAD of malloc-machine.h */
#define HG_DEFAULT_MMAP_MAX	  65536
#define HG_DEFAULT_ARENA_TEST	  8	      /* NARENAS_FROM_NCORES(1) on 64-bit */
#define HG_DEFAULT_TCACHE_MAX	  1032	      /* bytes: 64 bins of 16 */
#define HG_DEFAULT_TCACHE_COUNT	  7
#define HG_DEFAULT_MXFAST	  128	      /* 64 * sizeof(size_t) / 4 */
#define HG_DEFAULT_CHECK	  3	      /* heapguard's policy: print and abort */
#define HG_MAX_TCACHE_MAX	  1032
#define HG_MAX_TCACHE_COUNT	  65535
#define HG_MAX_MXFAST		  160	      /* 80 * sizeof(size_t) / 4 */

/* heapguard's own options: one field per HG_OPTION line of options.def.
 * An HG_TYPE_ENUM field is a long holding the index of the chosen name. */
enum hg_option_type { HG_TYPE_INT, HG_TYPE_BOOL, HG_TYPE_STRING, HG_TYPE_ENUM };
#define HG_OPTION_STRING_MAX 256

struct hg_options {
#define HG_OPTION(name, type, def, min, max, choices, help) HG_FIELD_##type(name)
#define HG_FIELD_HG_TYPE_INT(name) long name;
#define HG_FIELD_HG_TYPE_BOOL(name) bool name;
#define HG_FIELD_HG_TYPE_STRING(name) char name[HG_OPTION_STRING_MAX];
#define HG_FIELD_HG_TYPE_ENUM(name) long name;
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

struct hg_config {
	struct hg_params params;
	struct hg_options options;
	enum hg_source option_source[64]; /* per option, in options.def order */
};
_Static_assert(HG_OPTION_COUNT <= 64, "grow hg_config.option_source");

/* The process's configuration, loaded at the first malloc (lib/init.c) and
 * changed only by mallopt. */
extern struct hg_config hg_config;

/* Why hg_options_parse rejected a string: the bad token (pointing into the
 * parsed string, not NUL-terminated) and a short static reason. */
struct hg_parse_error {
	const char *token;
	size_t token_len;
	const char *reason;
};

/* Fill cfg with defaults, then apply MALLOC_*, GLIBC_TUNABLES and
 * HEAPGUARD_OPTIONS from envp (NULL: defaults only).  With secure (AT_SECURE)
 * the environment is ignored.  Warnings go to fd 2 as one line each. */
void hg_config_load(struct hg_config *cfg, char *const *envp, bool secure);

/* After hg_config_load(..., secure = true): no report files (leaks=0)
 * unless the file at path (HG_SECURE_CONFIG) turns them on.  The file is
 * read only if it is a regular file, owned by root and not writable by
 * group or others; otherwise, or if an option in it is bad, one warning line
 * goes to fd 2 and nothing from the file applies. */
void hg_config_load_secure(struct hg_config *cfg, const char *path);

/* The environment as /proc/self/environ holds it (NUL-terminated entries),
 * for when malloc runs before libc has set environ: keeps the entries
 * hg_config_load reads (MALLOC_*, GLIBC_TUNABLES, HEAPGUARD_OPTIONS) in
 * buf[0..len), in order, with pointers in envp (slots pointers, the last a
 * NULL).  An entry that does not fit is dropped whole, never truncated.
 * Returns the number of entries. */
size_t hg_env_read(int fd, char *buf, size_t len, char **envp, size_t slots);

/* Parse a HEAPGUARD_OPTIONS string into opts.  On the first bad token, opts is
 * left unchanged, the token is copied into bad (NUL-terminated, truncated to
 * bad_len) and -1 is returned; 0 on success. */
int hg_options_parse(struct hg_options *opts, enum hg_source *sources,
		     const char *str, char *bad, size_t bad_len);

/* glibc's validity rules for one parameter (as mallopt, tunables and MALLOC_*
 * apply them): returns false, changing nothing, when glibc would ignore it. */
bool hg_params_set(struct hg_params *p, enum hg_param which, size_t value,
		   enum hg_source source);

/* As hg_options_parse, reporting the bad token and the reason in err. */
int hg_options_parse_ex(struct hg_options *opts, enum hg_source *sources,
			const char *str, struct hg_parse_error *err);

/* The one warning line for err ("heapguard: ignoring HEAPGUARD_OPTIONS: bad
 * token 'TOKEN' (REASON)\n"), token truncated and escaped; returns its length. */
size_t hg_options_format_error(const struct hg_parse_error *err, char *buf,
			       size_t len);

/* glibc's defaults for every parameter, source HG_SOURCE_DEFAULT. */
void hg_params_defaults(struct hg_params *p);

/* True when mmap_threshold, trim_threshold, top_pad or mmap_max was set
 * explicitly: glibc then stops adjusting the mmap threshold dynamically. */
bool hg_params_no_dyn_threshold(const struct hg_params *p);

/* Names: "glibc.malloc.top_pad"; the MALLOC_* alias or NULL; "default"... */
const char *hg_param_tunable_name(enum hg_param which);
const char *hg_param_env_name(enum hg_param which);
const char *hg_source_name(enum hg_source source);

/* verbose=1: one line "heapguard: <name> = <value> (<source>)" per glibc
 * parameter and per option, written to fd with write(2). */
void hg_config_print(const struct hg_config *cfg, int fd);

/* `heapguard --help-options`: one line per option from options.def. */
void hg_options_help(int fd);

/* Iterating the option table (the launcher links options.c directly). */
int hg_option_count(void);
const char *hg_option_name(int i);	/* NULL when out of range */
/* Name of value of enum option i, not NUL-terminated: its length goes to
 * *len.  NULL when i is not an enum option or value is out of range. */
const char *hg_option_choice(int i, long value, size_t *len);
bool hg_option_exists(const char *name, size_t len);

#endif
