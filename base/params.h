/* SPDX-License-Identifier: MIT */
/* glibc 2.36's malloc parameters (base/params.def): their names, defaults
 * and validity rules as MALLOC_*, GLIBC_TUNABLES and mallopt apply them, and
 * where each effective value came from.  Allocates nothing: it runs inside
 * the first malloc call, and the launcher links it too. */
#ifndef HG_PARAMS_H
#define HG_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

/* Where an effective value came from (reported by verbose=1 and in the
 * report headers).  Later sources override earlier ones. */
enum hg_source {
	HG_SOURCE_DEFAULT = 0,
	HG_SOURCE_MALLOC_ENV,	 /* MALLOC_CHECK_, MALLOC_TOP_PAD_, ... */
	HG_SOURCE_TUNABLES,	 /* GLIBC_TUNABLES=glibc.malloc.* */
	HG_SOURCE_HEAPGUARD_ENV, /* HEAPGUARD_OPTIONS */
	HG_SOURCE_MALLOPT,	 /* mallopt() at run time */
	HG_SOURCE_CONFIG_FILE,	 /* HG_SECURE_CONFIG, in AT_SECURE processes only */
};

/* HG_PARAM_CHECK, HG_PARAM_TOP_PAD, ... in params.def order. */
enum hg_param {
#define HG_PARAM(id, name, env, def, min, max, dyn, mallopt, rule, help) HG_PARAM_##id,
#include "params.def"
#undef HG_PARAM
	HG_PARAM_COUNT
};

/* How glibc's mallopt reads its int argument for a parameter. */
enum hg_mallopt_rule {
	HG_MALLOPT_NONE,     /* no mallopt number */
	HG_MALLOPT_SIZE,     /* converted to size_t (a negative int becomes huge) */
	HG_MALLOPT_COUNT,    /* a negative count is 0 */
	HG_MALLOPT_BYTE,     /* its low byte */
	HG_MALLOPT_POSITIVE, /* 0 or less: nothing changes, and mallopt returns 1 */
	HG_MALLOPT_IGNORED,  /* accepted, no effect (M_CHECK_ACTION since glibc 2.34) */
};

struct hg_params {
	size_t value[HG_PARAM_COUNT];	       /* effective value */
	bool set[HG_PARAM_COUNT];	       /* given explicitly */
	enum hg_source source[HG_PARAM_COUNT]; /* where value came from */
};

/* glibc's defaults for every parameter, source HG_SOURCE_DEFAULT. */
void hg_params_defaults(struct hg_params *p);

/* glibc's validity rules for one parameter (as mallopt, tunables and MALLOC_*
 * apply them): returns false, changing nothing, when glibc would ignore it. */
bool hg_params_set(struct hg_params *p, enum hg_param which, size_t value, enum hg_source source);

/* True when mmap_threshold, trim_threshold, top_pad or mmap_max was set
 * explicitly: glibc then stops adjusting the mmap threshold dynamically. */
bool hg_params_no_dyn_threshold(const struct hg_params *p);

/* GLIBC_TUNABLES as glibc 2.36's parse_tunables reads it: ':'-separated
 * name=value pairs, the glibc.malloc.* ones applied in order; other names,
 * pairs without '=' and invalid values change nothing. */
void hg_params_apply_tunables(struct hg_params *p, const char *tunables);

/* A number as glibc reads one (blanks, an optional '+', then decimal, 0x
 * hexadecimal or 0-prefixed octal) in s[0..n), stricter than glibc: empty,
 * non-numeric, trailing junk, negative and overflowing values are refused.
 * NULL, or why the value is not one. */
const char *hg_param_parse_number(const char *s, size_t n, size_t *out);

/* A value for which as the launcher's --name=VALUE gives it: a number in
 * which's range.  NULL, or why it is refused. */
const char *hg_param_parse(enum hg_param which, const char *s, size_t n, size_t *out);

/* mallopt(param, value) before anything changes: true with the parameter
 * and the value glibc would store (still to be checked by hg_params_set);
 * false when it changes nothing, with what mallopt returns in *result. */
bool hg_param_from_mallopt(int param, int value, enum hg_param *which, size_t *v, int *result);

/* The parameter called name[0..len) ("arena_max": the tunable's last
 * part), or -1. */
int hg_param_find(const char *name, size_t len);

/* Names: "arena_max"; "glibc.malloc.arena_max"; the MALLOC_* alias or NULL;
 * a source ("default", "MALLOC_*", ...).  NULL when which is out of range. */
const char *hg_param_name(enum hg_param which);
const char *hg_param_tunable_name(enum hg_param which);
const char *hg_param_env_name(enum hg_param which);
const char *hg_source_name(enum hg_source source);

#endif
