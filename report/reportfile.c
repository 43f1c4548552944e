/* SPDX-License-Identifier: MIT */
/* What every report file shares; see reportfile.h. */
#define _GNU_SOURCE
#include "reportfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/compiler.h"
#include "../base/fmt.h"
#include "../base/path.h"
#include "../format/common.h"
#include "../lib/lib.h"
#include "gzfile.h"
#include "runfile.h"
#include "../stack/modules.h"
#include "scan.h"
#include "../stack/stack.h"

_Static_assert(HG_DEPTH_MAX <= HG_FMT_FRAMES_MAX, "a stack line holds every frame");

/* Days since 1970-01-01 -> civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

size_t hg_reportfile_time(char *buf, size_t len, time_t t)
{
	int64_t days = (int64_t)t / 86400, secs = (int64_t)t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	return hg_fmt(buf, len, "%lu %04d-%02u-%02uT%02u:%02u:%02uZ", (unsigned long)t, y, m, d,
		      (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

static void write_time(struct hg_gzfile *gz, time_t t)
{
	char when[64];
	hg_reportfile_time(when, sizeof(when), t);
	hg_gz_printf(gz, HG_FMT_TIME " %s\n", when);
}

/* A configuration source as the format names it. */
static enum hg_fmt_source source_of(enum hg_source s)
{
	switch (s) {
	case HG_SOURCE_DEFAULT:
		return HG_FMT_SOURCE_DEFAULT;
	case HG_SOURCE_MALLOC_ENV:
		return HG_FMT_SOURCE_MALLOC_ENV;
	case HG_SOURCE_TUNABLES:
		return HG_FMT_SOURCE_TUNABLE;
	case HG_SOURCE_MALLOPT:
		return HG_FMT_SOURCE_MALLOPT;
	case HG_SOURCE_CONFIG_FILE:
		return HG_FMT_SOURCE_CONFIG;
	default:
		return HG_FMT_SOURCE_ENV;
	}
}

static void write_option_head(struct hg_gzfile *gz, int id, const char *name)
{
	hg_gz_printf(gz, HG_FMT_OPTION " %s %s ", name,
		     hg_fmt_source_name(source_of(hg_config.option_source[id])));
}

/* glibc's parameters, as GLIBC_TUNABLES names them, after heapguard's own
 * options: what the run was configured with, and by what. */
static void write_params(struct hg_gzfile *gz)
{
	const struct hg_params *p = &hg_config.params;
	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		const char *name = hg_param_tunable_name((enum hg_param)i);
		if (name == NULL || strncmp(name, HG_FMT_GLIBC_PARAM_PREFIX,
					    strlen(HG_FMT_GLIBC_PARAM_PREFIX)) != 0)
			continue; /* not a glibc.malloc tunable: not the format's */
		hg_gz_printf(gz, HG_FMT_OPTION " %s %s %lu\n", name,
			     hg_fmt_source_name(source_of(p->source[i])),
			     (unsigned long)p->value[i]);
	}
}

static void write_options(struct hg_gzfile *gz)
{
	char v[32];
	size_t len;
	const char *choice;
	(void)choice;
	(void)len;
#define HG_OPTION(name, type, def, min, max, choices, help) \
	write_option_head(gz, HG_OPTION_ID_##name, #name);  \
	HG_WRITE_##type(name) hg_gz_puts(gz, "\n");
#define HG_WRITE_HG_TYPE_INT(name)                           \
	hg_fmt(v, sizeof(v), "%ld", hg_config.options.name); \
	hg_gz_puts(gz, v);
#define HG_WRITE_HG_TYPE_BOOL(name) hg_gz_puts(gz, hg_config.options.name ? "1" : "0");
#define HG_WRITE_HG_TYPE_STRING(name) \
	hg_gz_escaped(gz, hg_config.options.name, strlen(hg_config.options.name));
#define HG_WRITE_HG_TYPE_SIGNAL(name) HG_WRITE_HG_TYPE_STRING(name)
#define HG_WRITE_HG_TYPE_ENUM(name)                                                   \
	choice = hg_option_choice(HG_OPTION_ID_##name, hg_config.options.name, &len); \
	if (choice != NULL) {                                                         \
		hg_gz_escaped(gz, choice, len);                                       \
	} else {                                                                      \
		hg_fmt(v, sizeof(v), "%ld", hg_config.options.name);                  \
		hg_gz_puts(gz, v);                                                    \
	}
#include "../base/options.def"
#undef HG_OPTION
#undef HG_WRITE_HG_TYPE_INT
#undef HG_WRITE_HG_TYPE_BOOL
#undef HG_WRITE_HG_TYPE_STRING
#undef HG_WRITE_HG_TYPE_ENUM
#undef HG_WRITE_HG_TYPE_SIGNAL
}

static void write_args(struct hg_gzfile *gz)
{
	size_t len, map_len;
	char *args = hg_scan_read_file("/proc/self/cmdline", &len, &map_len);
	if (args == NULL)
		return;
	unsigned i = 0;
	for (size_t pos = 0; pos < len; i++) {
		size_t n = strnlen(args + pos, len - pos);
		hg_gz_printf(gz, HG_FMT_ARG " %u ", i);
		hg_gz_escaped(gz, args + pos, n);
		hg_gz_puts(gz, "\n");
		pos += n + 1;
	}
	hg_scan_unmap(args, map_len);
}

static void write_frame(struct hg_gzfile *gz, const struct hg_modules *mods, uintptr_t pc)
{
	const struct hg_segment_range *s = hg_modules_segment(mods, pc);
	if (s != NULL)
		hg_gz_printf(gz, " %u+0x%lx", s->module,
			     (unsigned long)(pc - mods->mods[s->module].base));
	else
		hg_gz_printf(gz, " " HG_FMT_NO_MODULE "+0x%lx", (unsigned long)pc);
}

/* report= expanded; ending in '/', a directory: DIR/heapguard.%e.%p. */
static void expand_prefix(char *out, size_t len, const char *exe, time_t now)
{
	const char *pattern = hg_config.options.report;
	size_t n = strlen(pattern);
	if (n > 0 && pattern[n - 1] == '/') {
		char dir[HG_REPORT_PATH];
		hg_fmt(dir, sizeof(dir), "%sheapguard.%%e.%%p", pattern);
		hg_path_expand(out, len, dir, exe, now);
		return;
	}
	hg_path_expand(out, len, pattern, exe, now);
}

bool hg_reportfile_off(void)
{
	return strcmp(hg_config.options.report, "off") == 0;
}

static struct hg_lock naming = HG_LOCK_INIT;

HG_FORK_CODE void hg_reportfile_fork_child(void)
{
	hg_lock_reset(&naming);
}

struct hg_gzfile *hg_reportfile_create(const char *exe, time_t now, const char *suffix,
				       char *final, size_t len, bool *fallback, int *err)
{
	static char prefix[HG_REPORT_PATH], alt[HG_REPORT_PATH];
	hg_lock_acquire(&naming);
	*fallback = false;
	*err = 0;
	if (hg_run_active()) {
		/* A run: its directory or nothing, never $TMPDIR. */
		*err = hg_run_prefix(prefix, sizeof(prefix));
		struct hg_gzfile *gz = *err == 0 ? hg_gz_create(prefix, suffix, err) : NULL;
		if (gz == NULL)
			hg_fmt(final, len, "%s%s", prefix, suffix);
		hg_lock_release(&naming);
		return gz;
	}
	expand_prefix(prefix, sizeof(prefix), exe, now);
	struct hg_gzfile *gz = hg_gz_create(prefix, suffix, err);
	/* The current directory refuses files (or is gone, or is a pseudo
	 * file system): $TMPDIR, under the same name. */
	bool in_cwd = strchr(prefix, '/') == NULL;
	if (gz == NULL && prefix[0] != '/' &&
	    (*err == EACCES || *err == EROFS || *err == EPERM || (in_cwd && *err == ENOENT))) {
		const char *tmp = secure_getenv("TMPDIR");
		hg_fmt(alt, sizeof(alt), "%s/%s", tmp && tmp[0] == '/' ? tmp : "/tmp",
		       hg_path_base(prefix));
		gz = hg_gz_create(alt, suffix, err);
		*fallback = gz != NULL;
	}
	if (gz == NULL)
		hg_fmt(final, len, "%s%s", prefix, suffix);
	hg_lock_release(&naming);
	return gz;
}

void hg_reportfile_exe(char *exe, size_t len)
{
	hg_path_exe(exe, len);
}

void hg_reportfile_write_process(struct hg_gzfile *gz, const char *exe, time_t now)
{
	hg_gz_printf(gz, HG_FMT_VERSION " %s\n" HG_FMT_PROGRAM " ", PACKAGE_VERSION);
	hg_gz_escaped(gz, exe, strlen(exe));
	hg_gz_printf(gz, "\n" HG_FMT_PID " %d\n" HG_FMT_PPID " %d\n", (int)getpid(),
		     (int)getppid());
	write_time(gz, now);
	hg_gz_printf(gz, HG_FMT_LEVEL " %s\n",
		     hg_fmt_level_name(hg_config.options.level == HG_LEVEL_FULL
					       ? HG_FMT_LEVEL_FULL
					       : HG_FMT_LEVEL_FAST));
}

void hg_reportfile_write_setup(struct hg_gzfile *gz, const struct hg_modules *m)
{
	write_args(gz);
	write_options(gz);
	write_params(gz);
	for (unsigned i = 0; i < m->count; i++) {
		hg_gz_printf(gz, HG_FMT_MODULE " %u 0x%lx %s ", i, (unsigned long)m->mods[i].base,
			     m->mods[i].build_id);
		hg_gz_escaped(gz, m->mods[i].path, strlen(m->mods[i].path));
		hg_gz_puts(gz, "\n");
	}
}

bool hg_reportfile_write_stack(struct hg_gzfile *gz, const struct hg_modules *m, uint32_t id)
{
	const uintptr_t *frames;
	unsigned n = hg_stack_frames(id, &frames);
	if (n == 0)
		return false; /* unknown to the depot: its users say stack 0 */
	hg_gz_printf(gz, HG_FMT_STACK " %u", id);
	for (unsigned f = 0; f < n && f < HG_FMT_FRAMES_MAX; f++)
		write_frame(gz, m, frames[f]);
	hg_gz_puts(gz, "\n");
	return true;
}
