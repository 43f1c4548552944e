/* SPDX-License-Identifier: MIT */
/* glibc 2.36's malloc parameters: the table built from params.def, their
 * names, glibc's validity rules, its number syntax, GLIBC_TUNABLES and
 * mallopt's numbers.  The rules are glibc's published behaviour (mallopt(3),
 * tunables(7)), stricter only where glibc would read garbage as a number. */
#include "config_internal.h"

#include <malloc.h>
#include <stdint.h>

const struct hg_param_desc hg_param_table[HG_PARAM_COUNT] = {
#define HG_PARAM(pid, pname, penv, pdef, pmin, pmax, pdyn, pmallopt, prule, phelp) \
	[HG_PARAM_##pid] = { .name = #pname,                                       \
			     .tunable = "glibc.malloc." #pname,                    \
			     .env = sizeof(penv) > 1 ? penv : NULL,                \
			     .def = (pdef),                                        \
			     .min = (pmin),                                        \
			     .max = (pmax),                                        \
			     .dyn = (pdyn),                                        \
			     .mallopt = (pmallopt),                                \
			     .rule = HG_MALLOPT_##prule,                           \
			     .help = phelp },
#include "params.def"
#undef HG_PARAM
};

/* A parameter has a mallopt number exactly when it has a rule for it.
 * (That every default but arena_max's "unset" 0 is in its range is
 * tests/unit/test_options.c's to check: min 0 makes the comparison a
 * warning here.) */
#define HG_PARAM(pid, pname, penv, pdef, pmin, pmax, pdyn, pmallopt, prule, phelp)   \
	_Static_assert(((pmallopt) == 0) == (HG_MALLOPT_##prule == HG_MALLOPT_NONE), \
		       #pname ": a mallopt number needs a rule, and a rule a number");
#include "params.def"
#undef HG_PARAM

const char *hg_param_name(enum hg_param which)
{
	return (unsigned)which < HG_PARAM_COUNT ? hg_param_table[which].name : NULL;
}

const char *hg_param_tunable_name(enum hg_param which)
{
	return (unsigned)which < HG_PARAM_COUNT ? hg_param_table[which].tunable : NULL;
}

const char *hg_param_env_name(enum hg_param which)
{
	return (unsigned)which < HG_PARAM_COUNT ? hg_param_table[which].env : NULL;
}

const char *hg_source_name(enum hg_source source)
{
	switch (source) {
	case HG_SOURCE_DEFAULT:
		return "default";
	case HG_SOURCE_MALLOC_ENV:
		return "MALLOC_*";
	case HG_SOURCE_TUNABLES:
		return "GLIBC_TUNABLES";
	case HG_SOURCE_HEAPGUARD_ENV:
		return "HEAPGUARD_OPTIONS";
	case HG_SOURCE_MALLOPT:
		return "mallopt";
	case HG_SOURCE_CONFIG_FILE:
		return HG_SECURE_CONFIG;
	}
	return "unknown";
}

int hg_param_find(const char *name, size_t len)
{
	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		const char *n = hg_param_table[i].name;

		if (hg_cfg_strlen(n) == len && hg_cfg_mem_eq(n, name, len))
			return i;
	}
	return -1;
}

void hg_params_defaults(struct hg_params *p)
{
	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		p->value[i] = hg_param_table[i].def;
		p->set[i] = false;
		p->source[i] = HG_SOURCE_DEFAULT;
	}
}

bool hg_params_set(struct hg_params *p, enum hg_param which, size_t value, enum hg_source source)
{
	const struct hg_param_desc *d;

	if ((unsigned)which >= HG_PARAM_COUNT)
		return false;
	d = &hg_param_table[which];
	if (value < d->min || value > d->max)
		return false;
	p->value[which] = value;
	p->set[which] = true;
	p->source[which] = source;
	return true;
}

bool hg_params_no_dyn_threshold(const struct hg_params *p)
{
	for (int i = 0; i < HG_PARAM_COUNT; i++)
		if (hg_param_table[i].dyn && p->set[i])
			return true;
	return false;
}

/* Stricter than glibc 2.36, which reads "abc" as 0, "9x" as 9, "-1" and
 * overflows as SIZE_MAX: a typo must never turn into mmap_threshold=0. */
const char *hg_param_parse_number(const char *s, size_t n, size_t *out)
{
	unsigned base = 10;
	size_t i = 0, v = 0;
	bool any = false;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == '+')
		i++;
	if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	} else if (i < n && s[i] == '0') {
		base = 8;
		any = true; /* "0" alone */
		i++;
	}
	for (; i < n; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return "not a number";
		if (d >= base)
			return "not a number";
		if (v > (SIZE_MAX - d) / base)
			return "number too large";
		v = v * base + d;
		any = true;
	}
	if (!any)
		return n == 0 ? "empty value" : "not a number";
	*out = v;
	return NULL;
}

const char *hg_param_parse(enum hg_param which, const char *s, size_t n, size_t *out)
{
	const struct hg_param_desc *d;
	const char *why;
	size_t v;

	if ((unsigned)which >= HG_PARAM_COUNT)
		return "unknown parameter";
	d = &hg_param_table[which];
	why = hg_param_parse_number(s, n, &v);
	if (why != NULL)
		return why;
	if (v < d->min || v > d->max)
		return "out of range";
	*out = v;
	return NULL;
}

/* glibc 2.36's parse_tunables: a pair without '=' is skipped, unknown names
 * and other namespaces are ignored silently, invalid values leave the old
 * value, and a later pair overrides an earlier one. */
void hg_params_apply_tunables(struct hg_params *p, const char *s)
{
	static const char prefix[] = "glibc.malloc.";
	const size_t plen = sizeof(prefix) - 1;

	while (*s != '\0') {
		const char *name = s, *value, *end;
		size_t name_len = 0, value_len = 0, v;
		int which;

		while (s[name_len] != '=' && s[name_len] != ':' && s[name_len] != '\0')
			name_len++;
		if (s[name_len] != '=') {
			s += name_len;
			if (*s == ':')
				s++;
			continue;
		}
		value = s + name_len + 1;
		while (value[value_len] != ':' && value[value_len] != '\0')
			value_len++;
		end = value + value_len;
		which = -1;
		if (name_len > plen && hg_cfg_mem_eq(name, prefix, plen))
			which = hg_param_find(name + plen, name_len - plen);
		if (which >= 0 && hg_param_parse_number(value, value_len, &v) == NULL)
			hg_params_set(p, (enum hg_param)which, v, HG_SOURCE_TUNABLES);
		s = *end == ':' ? end + 1 : end;
	}
}

bool hg_param_from_mallopt(int param, int value, enum hg_param *which, size_t *v, int *result)
{
	*result = 1; /* glibc 2.36: numbers it does not know are accepted */
	if (param == 0)
		return false;
	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		const struct hg_param_desc *d = &hg_param_table[i];

		if (d->mallopt != param)
			continue;
		switch (d->rule) {
		case HG_MALLOPT_NONE:
		case HG_MALLOPT_IGNORED:
			return false;
		case HG_MALLOPT_SIZE:
			*v = (size_t)(long)value;
			break;
		case HG_MALLOPT_COUNT:
			*v = value < 0 ? 0 : (size_t)value;
			break;
		case HG_MALLOPT_BYTE:
			*v = (size_t)(value & 0xff);
			break;
		case HG_MALLOPT_POSITIVE:
			if (value <= 0)
				return false;
			*v = (size_t)value;
			break;
		}
		*which = (enum hg_param)i;
		return true;
	}
	return false;
}
