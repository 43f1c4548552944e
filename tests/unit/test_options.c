/* SPDX-License-Identifier: MIT */
/* Unit tests of the configuration (base/params.c, options.c, config.c,
 * config_print.c): HEAPGUARD_OPTIONS parsing (good strings, and bad tokens
 * ignored one by one while the good ones apply), every value syntax and its
 * refused spellings, glibc's parameters (the table, validity rules for
 * MALLOC_* / GLIBC_TUNABLES / mallopt), precedence and sources, AT_SECURE,
 * enum options (names, index, listing), and the verbose and help listings.
 * Warnings are read back from fd 2 through a pipe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <malloc.h>
#include <signal.h>

#include "../../base/options.h"

#define MiB (1024UL * 1024)

/* ---- helpers ---- */

/* Runs hg_config_load with fd 2 on a pipe; returns what it wrote (static). */
static const char *load_capture(struct hg_config *cfg, char *const *envp,
				bool secure)
{
	static char out[65536];
	int fds[2], saved;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fds[1], 2) >= 0);
	hg_config_load(cfg, envp, secure);
	dup2(saved, 2);
	close(saved);
	close(fds[1]);
	n = read(fds[0], out, sizeof(out) - 1);
	close(fds[0]);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

/* Loads with one environment entry and expects no warning. */
static void load1(struct hg_config *cfg, const char *entry)
{
	char *envp[] = { (char *)entry, NULL };

	assert_string_equal(load_capture(cfg, envp, false), "");
}

/* Loads with HEAPGUARD_OPTIONS=opts; returns the warning text. */
static const char *load_options(struct hg_config *cfg, const char *opts)
{
	static char entry[4096];
	char *envp[] = { entry, NULL };

	snprintf(entry, sizeof(entry), "HEAPGUARD_OPTIONS=%s", opts);
	return load_capture(cfg, envp, false);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static void assert_options_default(const struct hg_config *cfg)
{
	assert_int_equal(cfg->options.check, 3);
	assert_int_equal(cfg->options.level, HG_LEVEL_FULL);
	assert_int_equal(cfg->options.quarantine, 4 * MiB);
	assert_int_equal(cfg->options.fill_max, 4096);
	assert_string_equal(cfg->options.log, "");
	assert_false(cfg->options.verbose);
	assert_false(cfg->options.stats_at_exit);
	for (int i = 0; i < HG_OPTION_COUNT; i++)
		assert_int_equal(cfg->option_source[i], HG_SOURCE_DEFAULT);
}

/* The warning line for one bad token of HEAPGUARD_OPTIONS (static). */
static const char *warning(const char *token, const char *reason)
{
	static char want[1024];

	snprintf(want, sizeof(want), "heapguard: HEAPGUARD_OPTIONS: ignoring bad token '%s' (%s)\n",
		 token, reason);
	return want;
}

/* Expects HEAPGUARD_OPTIONS=opts to warn once, for token and reason; a
 * string of that one token leaves every option at its default (the callers
 * of longer strings check what their good tokens set). */
static void expect_rejected(const char *opts, const char *token,
			    const char *reason)
{
	struct hg_config cfg;

	assert_string_equal(load_options(&cfg, opts), warning(token, reason));
	if (strchr(opts, ':') == NULL)
		assert_options_default(&cfg);
}

/* ---- defaults ---- */

static void test_defaults_without_environment(void **state)
{
	struct hg_config cfg;
	const struct hg_params *p = &cfg.params;

	(void)state;
	assert_string_equal(load_capture(&cfg, NULL, false), "");
	assert_int_equal(p->value[HG_PARAM_CHECK], 3);
	assert_int_equal(p->value[HG_PARAM_TOP_PAD], 128 * 1024);
	assert_int_equal(p->value[HG_PARAM_PERTURB], 0);
	assert_int_equal(p->value[HG_PARAM_MMAP_THRESHOLD], 128 * 1024);
	assert_int_equal(p->value[HG_PARAM_TRIM_THRESHOLD], 128 * 1024);
	assert_int_equal(p->value[HG_PARAM_MMAP_MAX], 65536);
	assert_int_equal(p->value[HG_PARAM_ARENA_MAX], 0);
	assert_int_equal(p->value[HG_PARAM_ARENA_TEST], 8);
	assert_int_equal(p->value[HG_PARAM_TCACHE_MAX], 1032);
	assert_int_equal(p->value[HG_PARAM_TCACHE_COUNT], 7);
	assert_int_equal(p->value[HG_PARAM_TCACHE_UNSORTED_LIMIT], 0);
	assert_int_equal(p->value[HG_PARAM_MXFAST], 128);
	assert_int_equal(p->value[HG_PARAM_HUGETLB], 0);
	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		assert_false(p->set[i]);
		assert_int_equal(p->source[i], HG_SOURCE_DEFAULT);
	}
	assert_false(hg_params_no_dyn_threshold(p));
	assert_options_default(&cfg);
}

static void test_empty_environment_and_empty_options_keep_defaults(void **state)
{
	struct hg_config cfg;
	char *envp[] = { "PATH=/bin", "HOME=/root", NULL };

	(void)state;
	assert_string_equal(load_capture(&cfg, envp, false), "");
	assert_options_default(&cfg);
	assert_string_equal(load_options(&cfg, ""), "");
	assert_options_default(&cfg);
	assert_string_equal(load_options(&cfg, "::::"), "");
	assert_options_default(&cfg);
}

/* ---- good HEAPGUARD_OPTIONS ---- */

static void test_good_string_sets_every_option(void **state)
{
	struct hg_config cfg;

	(void)state;
	assert_string_equal(
		load_options(&cfg,
			     "check=1:level=fast:quarantine=64k:fill_max=1k:log=/tmp/hg log.txt:"
			     "verbose=true:stats_at_exit=yes:depth=24:leaks=0:report=/tmp/r.%p:"
			     "leak_exitcode=7:unwind_verify=1:frag=0:report_signal=SIGUSR2:"
			     "report_on_crash=1:run_dir=/tmp/run:clean_reports=1:error_exitcode=9:"
			     "only=*:skip=no-such-program:suppressions=/tmp/supp:crash_check=0:"
			     "checkpoint_signal=usr1:sample=250:"),
		"");
	assert_string_equal(cfg.options.run_dir, "/tmp/run");
	assert_true(cfg.options.clean_reports);
	assert_int_equal(cfg.options.error_exitcode, 9);
	assert_string_equal(cfg.options.only, "*");
	assert_string_equal(cfg.options.skip, "no-such-program");
	assert_string_equal(cfg.options.suppressions, "/tmp/supp");
	assert_false(cfg.skipped);
	assert_int_equal(cfg.options.check, 1);
	assert_int_equal(cfg.options.level, HG_LEVEL_FAST);
	assert_int_equal(cfg.options.quarantine, 64 * 1024);
	assert_int_equal(cfg.options.fill_max, 1024);
	assert_string_equal(cfg.options.log, "/tmp/hg log.txt");
	assert_true(cfg.options.verbose);
	assert_true(cfg.options.stats_at_exit);
	assert_int_equal(cfg.options.depth, 24);
	assert_false(cfg.options.leaks);
	assert_string_equal(cfg.options.report, "/tmp/r.%p");
	assert_int_equal(cfg.options.leak_exitcode, 7);
	assert_true(cfg.options.unwind_verify);
	assert_false(cfg.options.frag);
	assert_string_equal(cfg.options.report_signal, "SIGUSR2");
	assert_string_equal(cfg.options.checkpoint_signal, "usr1");
	assert_true(cfg.options.report_on_crash);
	assert_false(cfg.options.crash_check);
	assert_int_equal(cfg.options.sample, 250);
	for (int i = 0; i < HG_OPTION_COUNT; i++)
		assert_int_equal(cfg.option_source[i], HG_SOURCE_HEAPGUARD_ENV);
	assert_int_equal(cfg.params.value[HG_PARAM_CHECK], 1);
	assert_int_equal(cfg.params.source[HG_PARAM_CHECK],
			 HG_SOURCE_HEAPGUARD_ENV);
}

static void test_bool_spellings(void **state)
{
	static const char *const yes[] = { "1", "true", "yes", "on", "TRUE", "Yes", "ON", "oN" };
	static const char *const no[] = { "0", "false", "no", "off", "FALSE", "No", "OFF", "Off" };
	struct hg_config cfg;
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		snprintf(buf, sizeof(buf), "verbose=%s", yes[i]);
		assert_string_equal(load_options(&cfg, buf), "");
		assert_true(cfg.options.verbose);
		snprintf(buf, sizeof(buf), "verbose=1:verbose=%s", no[i]);
		assert_string_equal(load_options(&cfg, buf), "");
		assert_false(cfg.options.verbose);
	}
}

static void test_bool_refused_spellings(void **state)
{
	static const char *const bad[] = { "2",	      "-1",	 "01",	"y",	"n",	 "t",
					   "f",	      "onn",	 "of",	"yess", "truee", "enable",
					   "enabled", "disable", "o n", "on ",	" on",	 "0x1" };
	char opts[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(opts, sizeof(opts), "leaks=%s", bad[i]);
		expect_rejected(opts, opts, "not a boolean");
	}
	expect_rejected("leaks=", "leaks=", "empty value");
}

static void test_integer_forms(void **state)
{
	struct hg_config cfg;

	(void)state;
	assert_string_equal(load_options(&cfg, "check=0x2"), "");
	assert_int_equal(cfg.options.check, 2);
	assert_string_equal(load_options(&cfg, "check=0X1"), "");
	assert_int_equal(cfg.options.check, 1);
	assert_string_equal(load_options(&cfg, "check=0k"), "");
	assert_int_equal(cfg.options.check, 0);
	assert_string_equal(load_options(&cfg, "check=00003"), "");
	assert_int_equal(cfg.options.check, 3);
}

static void test_last_duplicate_wins(void **state)
{
	struct hg_config cfg;

	(void)state;
	assert_string_equal(load_options(&cfg, "check=1:check=2:log=a:log=bc"), "");
	assert_int_equal(cfg.options.check, 2);
	assert_string_equal(cfg.options.log, "bc");
}

static void test_longest_string_accepted(void **state)
{
	struct hg_config cfg;
	char opts[HG_OPTION_STRING_MAX + 8];

	(void)state;
	strcpy(opts, "log=");
	memset(opts + 4, 'a', HG_OPTION_STRING_MAX - 1);
	opts[4 + HG_OPTION_STRING_MAX - 1] = '\0';
	assert_string_equal(load_options(&cfg, opts), "");
	assert_int_equal(strlen(cfg.options.log), HG_OPTION_STRING_MAX - 1);
}

static void test_string_may_hold_utf8_and_equals(void **state)
{
	struct hg_config cfg;

	(void)state;
	assert_string_equal(load_options(&cfg, "log=/tmp/\xc3\xa9t\xc3\xa9=1"), "");
	assert_string_equal(cfg.options.log, "/tmp/\xc3\xa9t\xc3\xa9=1");
}

/* "level=fast,leaks=0" is one token; the warning names the separator
 * rather than the value ("expected fast|full"), and a string option does
 * not swallow the next option.  A ',' that is not followed by an option's
 * name and '=' is a value's own. */
static void test_comma_instead_of_colon(void **state)
{
	static const char why[] = "options are separated by ':', not ','";
	struct hg_config cfg;

	(void)state;
	expect_rejected("level=fast,leaks=0", "level=fast,leaks=0", why);
	expect_rejected("only=python3,level=fast", "only=python3,level=fast", why);
	expect_rejected("depth=8,report=off", "depth=8,report=off", why);
	assert_string_equal(load_options(&cfg, "check=1:report=/tmp/x,frag=0:leaks=0"),
			    warning("report=/tmp/x,frag=0", why));
	assert_int_equal(cfg.options.check, 1);
	assert_false(cfg.options.leaks);
	assert_true(cfg.options.frag);
	/* globs and paths keep their commas */
	assert_string_equal(load_options(&cfg, "only=python3,gcc,cc1:report=/tmp/a,b=c"), "");
	assert_string_equal(cfg.options.only, "python3,gcc,cc1");
	assert_string_equal(cfg.options.report, "/tmp/a,b=c");
}

/* ---- enum options ---- */

static void test_enum_accepts_names_in_any_case(void **state)
{
	static const struct {
		const char *opts;
		long want;
	} cases[] = {
		{ "level=fast", HG_LEVEL_FAST }, { "level=full", HG_LEVEL_FULL },
		{ "level=FAST", HG_LEVEL_FAST }, { "level=Full", HG_LEVEL_FULL },
		{ "level=fast:level=full", HG_LEVEL_FULL },
		{ "level=full:level=fast", HG_LEVEL_FAST },
	};
	struct hg_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(load_options(&cfg, cases[i].opts), "");
		assert_int_equal(cfg.options.level, cases[i].want);
		assert_int_equal(cfg.option_source[HG_OPTION_ID_level],
				 HG_SOURCE_HEAPGUARD_ENV);
	}
}

static void test_enum_accepts_the_index(void **state)
{
	struct hg_config cfg;

	(void)state;
	assert_string_equal(load_options(&cfg, "level=0"), "");
	assert_int_equal(cfg.options.level, HG_LEVEL_FAST);
	assert_string_equal(load_options(&cfg, "level=1"), "");
	assert_int_equal(cfg.options.level, HG_LEVEL_FULL);
	assert_string_equal(load_options(&cfg, "level=0x0"), "");
	assert_int_equal(cfg.options.level, HG_LEVEL_FAST);
	assert_string_equal(load_options(&cfg, "level=001"), "");
	assert_int_equal(cfg.options.level, HG_LEVEL_FULL);
}

static void test_enum_rejects_other_values(void **state)
{
	static const char *const bad[] = {
		"level=medium", "level=fas",	   "level=fastt", "level=fast ",
		"level= fast",	"level=fast|full", "level=|",	  "level=2",
		"level=-1",	"level=1x",	   "level=fu ll", "level=99999999999999999999999",
	};
	char opts[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_rejected(bad[i], bad[i], "expected fast|full");
	expect_rejected("level=", "level=", "empty value");
	/* only the bad token is dropped */
	snprintf(opts, sizeof(opts), "check=1:level=fastest:quarantine=0");
	{
		struct hg_config cfg;

		assert_string_equal(load_options(&cfg, opts),
				    warning("level=fastest", "expected fast|full"));
		assert_int_equal(cfg.options.check, 1);
		assert_int_equal(cfg.options.level, HG_LEVEL_FULL);
		assert_int_equal(cfg.option_source[HG_OPTION_ID_level], HG_SOURCE_DEFAULT);
		assert_int_equal(cfg.options.quarantine, 0);
	}
}

static void test_enum_constants_match_the_table(void **state)
{
	size_t len = 99;
	const char *name;

	(void)state;
	name = hg_option_choice(HG_OPTION_ID_level, HG_LEVEL_FAST, &len);
	assert_non_null(name);
	assert_int_equal(len, 4);
	assert_memory_equal(name, "fast", 4);
	name = hg_option_choice(HG_OPTION_ID_level, HG_LEVEL_FULL, &len);
	assert_non_null(name);
	assert_int_equal(len, 4);
	assert_memory_equal(name, "full", 4);
	assert_non_null(hg_option_choice(HG_OPTION_ID_level, HG_LEVEL_FULL, NULL));
	assert_null(hg_option_choice(HG_OPTION_ID_level, 2, &len));
	assert_null(hg_option_choice(HG_OPTION_ID_level, -1, &len));
	/* not an enum, not an option */
	assert_null(hg_option_choice(HG_OPTION_ID_check, 0, &len));
	assert_null(hg_option_choice(HG_OPTION_ID_log, 0, &len));
	assert_null(hg_option_choice(-1, 0, &len));
	assert_null(hg_option_choice(HG_OPTION_COUNT, 0, &len));
}

/* ---- quarantine: bytes with suffixes, 0..1 GiB ---- */

static void test_quarantine_sizes(void **state)
{
	static const struct {
		const char *opts;
		long want;
	} good[] = {
		{ "quarantine=0", 0 },
		{ "quarantine=1", 1 },
		{ "quarantine=64k", 64 * 1024 },
		{ "quarantine=64K", 64 * 1024 },
		{ "quarantine=4m", 4 * MiB },
		{ "quarantine=4M", 4 * MiB },
		{ "quarantine=1G", 1024 * MiB },
		{ "quarantine=0x10k", 16 * 1024 },
		{ "quarantine=0x100000", MiB },
		{ "quarantine=1g", 1024 * MiB },
		{ "quarantine=1073741824", 1024 * MiB },
		{ "quarantine=1048576k", 1024 * MiB },
	};
	struct hg_config cfg;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_string_equal(load_options(&cfg, good[i].opts), "");
		assert_int_equal(cfg.options.quarantine, good[i].want);
	}
	expect_rejected("quarantine=1073741825", "quarantine=1073741825",
			"out of range");
	expect_rejected("quarantine=2g", "quarantine=2g", "out of range");
	expect_rejected("quarantine=1048577k", "quarantine=1048577k",
			"out of range");
	expect_rejected("quarantine=-1", "quarantine=-1", "not a number");
	expect_rejected("quarantine=4mb", "quarantine=4mb", "not a number");
	expect_rejected("quarantine=4MB", "quarantine=4MB", "not a number");
	expect_rejected("quarantine=4MiB", "quarantine=4MiB", "not a number");
	expect_rejected("quarantine=4 M", "quarantine=4 M", "not a number");
	expect_rejected("quarantine=4b", "quarantine=4b", "not a number");
	expect_rejected("quarantine=1t", "quarantine=1t", "not a number");
	expect_rejected("quarantine=1T", "quarantine=1T", "not a number");
	expect_rejected("quarantine=k", "quarantine=k", "not a number");
	expect_rejected("quarantine=1.5m", "quarantine=1.5m", "not a number");
	expect_rejected("quarantine=", "quarantine=", "empty value");
	expect_rejected("quarantine=full", "quarantine=full", "not a number");
}

/* ---- malformed HEAPGUARD_OPTIONS: a line per bad token, the rest applies ---- */

static void test_unknown_option_is_ignored_alone(void **state)
{
	struct hg_config cfg;

	(void)state;
	assert_string_equal(load_options(&cfg, "verbose=1:bogus=2:check=1"),
			    warning("bogus=2", "unknown option"));
	assert_true(cfg.options.verbose);
	assert_int_equal(cfg.options.check, 1);
	assert_int_equal(cfg.option_source[HG_OPTION_ID_check], HG_SOURCE_HEAPGUARD_ENV);
}

/* DESIGN.md: "keeps every valid one": leaks=0 holds whatever else is bad. */
static void test_every_good_token_applies(void **state)
{
	struct hg_config cfg;
	char want[1024];

	(void)state;
	snprintf(want, sizeof(want), "%s", warning("depth=0", "out of range"));
	strcat(want, warning("report_signal=SIGFOO", "unknown signal"));
	strcat(want, warning("verbos=1", "unknown option"));
	assert_string_equal(load_options(&cfg, "leaks=0:depth=0:check=1:report_signal=SIGFOO:"
					       "depth=24:verbos=1:frag=off"),
			    want);
	assert_false(cfg.options.leaks);
	assert_int_equal(cfg.options.check, 1);
	assert_int_equal(cfg.options.depth, 24);
	assert_string_equal(cfg.options.report_signal, "");
	assert_false(cfg.options.frag);
	assert_false(cfg.options.verbose);
	assert_int_equal(cfg.option_source[HG_OPTION_ID_leaks], HG_SOURCE_HEAPGUARD_ENV);
	assert_int_equal(cfg.option_source[HG_OPTION_ID_report_signal], HG_SOURCE_DEFAULT);
	assert_int_equal(cfg.option_source[HG_OPTION_ID_verbose], HG_SOURCE_DEFAULT);
	/* a bad value after a good one keeps the good one */
	assert_string_equal(load_options(&cfg, "depth=24:depth=99"),
			    warning("depth=99", "out of range"));
	assert_int_equal(cfg.options.depth, 24);
}

/* A string of many bad tokens cannot flood stderr: ten lines, then one
 * that counts the rest. */
static void test_warnings_are_capped(void **state)
{
	struct hg_config cfg;
	char opts[512] = "leaks=0";
	char want[4096] = "";

	(void)state;
	for (int i = 0; i < 25; i++) {
		char tok[16];

		snprintf(tok, sizeof(tok), "x%d", i);
		strcat(opts, ":");
		strcat(opts, tok);
		if (i < 10)
			strcat(want, warning(tok, "missing '='"));
	}
	strcat(opts, ":frag=0");
	strcat(want, "heapguard: HEAPGUARD_OPTIONS: ignoring 15 more bad tokens\n");
	assert_string_equal(load_options(&cfg, opts), want);
	assert_false(cfg.options.leaks);
	assert_false(cfg.options.frag);
	/* ten bad tokens: ten lines and no count */
	assert_int_equal(count_lines(load_options(&cfg, "a:b:c:d:e:f:g:h:i:j")), 10);
}

static void test_missing_equals(void **state)
{
	struct hg_config cfg;

	(void)state;
	expect_rejected("verbose", "verbose", "missing '='");
	expect_rejected("check=1:verbose:", "verbose", "missing '='");
	assert_string_equal(load_options(&cfg, "check=1:verbose:"),
			    warning("verbose", "missing '='"));
	assert_int_equal(cfg.options.check, 1);
}

static void test_missing_name(void **state)
{
	(void)state;
	expect_rejected("=1", "=1", "missing option name");
}

static void test_empty_values(void **state)
{
	(void)state;
	expect_rejected("verbose=", "verbose=", "empty value");
	expect_rejected("check=", "check=", "empty value");
}

static void test_bad_values(void **state)
{
	(void)state;
	expect_rejected("verbose=2", "verbose=2", "not a boolean");
	expect_rejected("verbose=yess", "verbose=yess", "not a boolean");
	expect_rejected("check=abc", "check=abc", "not a number");
	expect_rejected("check=1x", "check=1x", "not a number");
	expect_rejected("check=0x", "check=0x", "not a number");
	expect_rejected("check=1kk", "check=1kk", "not a number");
	expect_rejected("check=-1", "check=-1", "not a number");
	expect_rejected("check= 1", "check= 1", "not a number");
}

static void test_out_of_range(void **state)
{
	(void)state;
	expect_rejected("check=4", "check=4", "out of range");
	expect_rejected("check=1k", "check=1k", "out of range");
	expect_rejected("check=0x10", "check=0x10", "out of range");
}

static void test_overflow(void **state)
{
	(void)state;
	expect_rejected("check=99999999999999999999999",
			"check=99999999999999999999999", "number too large");
	expect_rejected("check=18446744073709551616",
			"check=18446744073709551616", "number too large");
	expect_rejected("check=0xffffffffffffffffff", "check=0xffffffffffffffffff",
			"number too large");
	expect_rejected("check=17179869184g", "check=17179869184g",
			"number too large");
	expect_rejected("check=9223372036854775808", "check=9223372036854775808",
			"number too large");
}

static void test_string_one_byte_too_long(void **state)
{
	struct hg_config cfg;
	char opts[HG_OPTION_STRING_MAX + 8];
	const char *out;

	(void)state;
	strcpy(opts, "log=");
	memset(opts + 4, 'a', HG_OPTION_STRING_MAX);
	opts[4 + HG_OPTION_STRING_MAX] = '\0';
	out = load_options(&cfg, opts);
	assert_non_null(strstr(out, "(value too long)\n"));
	assert_non_null(strstr(out, "bad token 'log=aaaa"));
	assert_options_default(&cfg);
}

static void test_control_and_binary_bytes(void **state)
{
	struct hg_config cfg;

	(void)state;
	expect_rejected("log=a\tb", "log=a\\x09b", "control character");
	assert_string_equal(load_options(&cfg, "verbose=1:\x01\x02\x7f"),
			    warning("\\x01\\x02\\x7f", "control character"));
	assert_true(cfg.options.verbose);
	expect_rejected("che\x1b[31mck=1", "che\\x1b[31mck=1", "control character");
	/* high bytes are allowed in strings but not in a key */
	expect_rejected("\xff\xfe=1", "\\xff\\xfe=1", "unknown option");
}

static void test_quote_and_backslash_are_escaped(void **state)
{
	(void)state;
	expect_rejected("it's=1", "it\\x27s=1", "unknown option");
	expect_rejected("a\\b=1", "a\\x5cb=1", "unknown option");
}

static void test_long_token_is_truncated_in_warning(void **state)
{
	struct hg_config cfg;
	char opts[200], want[256];

	(void)state;
	memset(opts, 'z', 100);
	strcpy(opts + 100, "=1");
	memset(want, 'z', 48);
	strcpy(want + 48, "...");
	assert_string_equal(load_options(&cfg, opts), warning(want, "unknown option"));
}

/* A megabyte of junk (and of binary) gives one short line, no crash. */
static void test_one_megabyte_string(void **state)
{
	struct hg_config cfg;
	size_t n = 1024 * 1024;
	char *entry = malloc(n + 32);
	char *envp[] = { entry, NULL };
	const char *out;

	(void)state;
	assert_non_null(entry);
	strcpy(entry, "HEAPGUARD_OPTIONS=log=");
	memset(entry + strlen(entry), 'x', n);
	entry[n + 20] = '\0';
	out = load_capture(&cfg, envp, false);
	assert_non_null(strstr(out, "(token too long)\n"));
	assert_true(strlen(out) < 160);
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	assert_options_default(&cfg);

	/* random binary bytes, NUL-terminated: thousands of bad tokens, at
	 * most eleven short printable lines */
	srand(42);
	for (size_t i = 18; i < n + 20; i++)
		entry[i] = (char)(1 + rand() % 255);
	entry[n + 20] = '\0';
	out = load_capture(&cfg, envp, false);
	assert_memory_equal(out, "heapguard: HEAPGUARD_OPTIONS: ignoring bad token '", 50);
	assert_int_equal(count_lines(out), 11);
	assert_true(strlen(out) < 11 * 260);
	assert_non_null(strstr(out, " more bad tokens\n"));
	assert_int_equal(out[strlen(out) - 1], '\n');
	for (const char *c = out; *c != '\0'; c++)
		assert_true(*c == '\n' || (*c >= 0x20 && *c < 0x7f));
	assert_options_default(&cfg);

	/* a megabyte of empty tokens is fine */
	memset(entry + 18, ':', n);
	entry[n + 18] = '\0';
	assert_string_equal(load_capture(&cfg, envp, false), "");
	free(entry);
}

/* Collects what hg_options_parse reports. */
struct bad_tokens {
	int count;
	char first[64];
	const char *reason;
};

static void note_bad(void *arg, const struct hg_parse_error *err)
{
	struct bad_tokens *b = arg;

	if (b->count++ == 0) {
		snprintf(b->first, sizeof(b->first), "%.*s", (int)err->token_len, err->token);
		b->reason = err->reason;
	}
}

/* The string ends right before an unmapped page: the parser must stop at
 * the NUL (a read past it would fault). */
static void test_no_read_past_terminator(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, page * 2, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct hg_options opts;
	enum hg_source src[HG_OPTION_COUNT];
	struct bad_tokens bad = { 0 };
	char *s;

	(void)state;
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + page, page, PROT_NONE), 0);
	memset(&opts, 0, sizeof(opts));
	memset(src, 0, sizeof(src));
	s = map + page - 10;
	memcpy(s, "verbose=1", 10);
	assert_int_equal(hg_options_parse(&opts, src, HG_SOURCE_HEAPGUARD_ENV, s, note_bad, &bad),
			 0);
	assert_true(opts.verbose);
	s = map + page - 8;
	memcpy(s, "verbose", 8);
	assert_int_equal(hg_options_parse(&opts, src, HG_SOURCE_HEAPGUARD_ENV, s, note_bad, &bad),
			 1);
	assert_string_equal(bad.first, "verbose");
	s = map + page - 15;
	memcpy(s, "report_signal=", 15);
	assert_int_equal(hg_options_parse(&opts, src, HG_SOURCE_HEAPGUARD_ENV, s, NULL, NULL), 0);
	s = map + page - 18;
	memcpy(s, "report_signal=SIG", 18);
	assert_int_equal(hg_options_parse(&opts, src, HG_SOURCE_HEAPGUARD_ENV, s, NULL, NULL), 1);
	s = map + page - 1;
	*s = '\0';
	assert_int_equal(hg_options_parse(&opts, src, HG_SOURCE_HEAPGUARD_ENV, s, note_bad, &bad),
			 0);
	munmap(map, page * 2);
}

/* The parser on its own: every bad token reported, in order, each leaving
 * its option alone; good tokens marked with the source given. */
static void test_parse_reports_each_bad_token(void **state)
{
	struct hg_options opts;
	enum hg_source src[HG_OPTION_COUNT];
	struct bad_tokens bad = { 0 };

	(void)state;
	memset(&opts, 0, sizeof(opts));
	memset(src, 0, sizeof(src));
	opts.check = 2;
	assert_int_equal(hg_options_parse(&opts, src, HG_SOURCE_CONFIG_FILE,
					  "check=7:nonsense=3:depth=9:x", note_bad, &bad),
			 3);
	assert_int_equal(bad.count, 3);
	assert_string_equal(bad.first, "check=7");
	assert_string_equal(bad.reason, "out of range");
	assert_int_equal(opts.check, 2); /* unchanged */
	assert_int_equal(src[HG_OPTION_ID_check], HG_SOURCE_DEFAULT);
	assert_int_equal(opts.depth, 9);
	assert_int_equal(src[HG_OPTION_ID_depth], HG_SOURCE_CONFIG_FILE);
	assert_int_equal(
		hg_options_parse(&opts, NULL, HG_SOURCE_HEAPGUARD_ENV, "check=1:y", NULL, NULL), 1);
	assert_int_equal(opts.check, 1);
}

static void test_error_text_is_quoted_and_truncated(void **state)
{
	struct hg_parse_error err = { "check=9", 7, "out of range" };
	struct hg_parse_error odd = { "a'\n\\", 4, "unknown option" };
	char buf[64];
	size_t n;

	(void)state;
	n = hg_parse_error_text(&err, buf, sizeof(buf));
	assert_string_equal(buf, "bad token 'check=9' (out of range)");
	assert_int_equal(n, strlen(buf));
	hg_parse_error_text(&odd, buf, sizeof(buf));
	assert_string_equal(buf, "bad token 'a\\x27\\x0a\\x5c' (unknown option)");
	n = hg_parse_error_text(&err, buf, 12);
	assert_int_equal(n, 11);
	assert_string_equal(buf, "bad token '");
}

/* ---- glibc parameters: precedence and sources ---- */

static void test_malloc_variables_are_read(void **state)
{
	struct hg_config cfg;
	char *envp[] = { "MALLOC_CHECK_=1",	     "MALLOC_TOP_PAD_=4096",
			 "MALLOC_PERTURB_=165",	     "MALLOC_MMAP_THRESHOLD_=65536",
			 "MALLOC_TRIM_THRESHOLD_=0", "MALLOC_MMAP_MAX_=0",
			 "MALLOC_ARENA_MAX=2",	     "MALLOC_ARENA_TEST=3",
			 NULL };
	static const size_t want[] = { 1, 4096, 165, 65536, 0, 0, 2, 3 };

	(void)state;
	assert_string_equal(load_capture(&cfg, envp, false), "");
	for (int i = 0; i <= HG_PARAM_ARENA_TEST; i++) {
		assert_int_equal(cfg.params.value[i], want[i]);
		assert_true(cfg.params.set[i]);
		assert_int_equal(cfg.params.source[i], HG_SOURCE_MALLOC_ENV);
	}
	assert_true(hg_params_no_dyn_threshold(&cfg.params));
	/* MALLOC_CHECK_ is the check policy unless check= overrides it */
	assert_int_equal(cfg.options.check, 1);
	assert_int_equal(cfg.option_source[HG_OPTION_ID_check],
			 HG_SOURCE_MALLOC_ENV);
}

static void test_every_tunable_is_read(void **state)
{
	struct hg_config cfg;
	char *envp[] = {
		"GLIBC_TUNABLES=glibc.malloc.check=2:glibc.malloc.top_pad=1:"
		"glibc.malloc.perturb=2:glibc.malloc.mmap_threshold=3:"
		"glibc.malloc.trim_threshold=4:glibc.malloc.mmap_max=5:"
		"glibc.malloc.arena_max=6:glibc.malloc.arena_test=7:"
		"glibc.malloc.tcache_max=8:glibc.malloc.tcache_count=9:"
		"glibc.malloc.tcache_unsorted_limit=10:glibc.malloc.mxfast=11:"
		"glibc.malloc.hugetlb=1",
		NULL
	};

	(void)state;
	assert_string_equal(load_capture(&cfg, envp, false), "");
	assert_int_equal(cfg.params.value[HG_PARAM_CHECK], 2);
	for (int i = 1; i < HG_PARAM_COUNT - 1; i++)
		assert_int_equal(cfg.params.value[i], (size_t)i);
	assert_int_equal(cfg.params.value[HG_PARAM_HUGETLB], 1);
	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		assert_true(cfg.params.set[i]);
		assert_int_equal(cfg.params.source[i], HG_SOURCE_TUNABLES);
	}
}

static void test_precedence_tunables_over_malloc_variables(void **state)
{
	struct hg_config cfg;
	/* order in envp does not matter */
	char *envp[] = { "GLIBC_TUNABLES=glibc.malloc.top_pad=8192",
			 "MALLOC_TOP_PAD_=4096", "MALLOC_ARENA_MAX=4", NULL };

	(void)state;
	assert_string_equal(load_capture(&cfg, envp, false), "");
	assert_int_equal(cfg.params.value[HG_PARAM_TOP_PAD], 8192);
	assert_int_equal(cfg.params.source[HG_PARAM_TOP_PAD], HG_SOURCE_TUNABLES);
	assert_int_equal(cfg.params.value[HG_PARAM_ARENA_MAX], 4);
	assert_int_equal(cfg.params.source[HG_PARAM_ARENA_MAX],
			 HG_SOURCE_MALLOC_ENV);
}

static void test_invalid_tunable_keeps_malloc_variable(void **state)
{
	struct hg_config cfg;
	char *envp[] = { "MALLOC_PERTURB_=7",
			 "GLIBC_TUNABLES=glibc.malloc.perturb=256", NULL };

	(void)state;
	assert_string_equal(load_capture(&cfg, envp, false), "");
	assert_int_equal(cfg.params.value[HG_PARAM_PERTURB], 7);
	assert_int_equal(cfg.params.source[HG_PARAM_PERTURB], HG_SOURCE_MALLOC_ENV);
}

static void test_check_precedence(void **state)
{
	struct hg_config cfg;
	char *all[] = { "MALLOC_CHECK_=1", "GLIBC_TUNABLES=glibc.malloc.check=2",
			"HEAPGUARD_OPTIONS=check=0", NULL };
	char *two[] = { "MALLOC_CHECK_=1", "GLIBC_TUNABLES=glibc.malloc.check=2",
			NULL };

	(void)state;
	assert_string_equal(load_capture(&cfg, all, false), "");
	assert_int_equal(cfg.options.check, 0);
	assert_int_equal(cfg.params.value[HG_PARAM_CHECK], 0);
	assert_int_equal(cfg.params.source[HG_PARAM_CHECK], HG_SOURCE_HEAPGUARD_ENV);
	assert_int_equal(cfg.option_source[HG_OPTION_ID_check],
			 HG_SOURCE_HEAPGUARD_ENV);

	assert_string_equal(load_capture(&cfg, two, false), "");
	assert_int_equal(cfg.options.check, 2);
	assert_int_equal(cfg.option_source[HG_OPTION_ID_check], HG_SOURCE_TUNABLES);
}

static void test_rejected_check_keeps_glibc_check(void **state)
{
	struct hg_config cfg;
	char *envp[] = { "MALLOC_CHECK_=2", "HEAPGUARD_OPTIONS=check=9:oops", NULL };

	(void)state;
	assert_non_null(strstr(load_capture(&cfg, envp, false), "'oops'"));
	assert_int_equal(cfg.options.check, 2);
	assert_int_equal(cfg.option_source[HG_OPTION_ID_check],
			 HG_SOURCE_MALLOC_ENV);
}

static void test_first_of_duplicate_variables_wins(void **state)
{
	struct hg_config cfg;
	char *envp[] = { "HEAPGUARD_OPTIONS=check=1", "HEAPGUARD_OPTIONS=check=2",
			 "MALLOC_ARENA_MAX=3", "MALLOC_ARENA_MAX=5",
			 "GLIBC_TUNABLES=glibc.malloc.mxfast=16",
			 "GLIBC_TUNABLES=glibc.malloc.mxfast=32", NULL };

	(void)state;
	assert_string_equal(load_capture(&cfg, envp, false), "");
	assert_int_equal(cfg.options.check, 1);
	assert_int_equal(cfg.params.value[HG_PARAM_ARENA_MAX], 3);
	/* glibc applies every GLIBC_TUNABLES in turn: the last one wins */
	assert_int_equal(cfg.params.value[HG_PARAM_MXFAST], 32);
}

static void test_similar_names_are_not_matched(void **state)
{
	struct hg_config cfg;
	char *envp[] = { "MALLOC_CHECK=1", "XMALLOC_TOP_PAD_=1",
			 "MALLOC_ARENA_MAX_=2", "HEAPGUARD_OPTIONSX=bogus",
			 "GLIBC_TUNABLESX=glibc.malloc.perturb=1", NULL };

	(void)state;
	assert_string_equal(load_capture(&cfg, envp, false), "");
	for (int i = 0; i < HG_PARAM_COUNT; i++)
		assert_int_equal(cfg.params.source[i], HG_SOURCE_DEFAULT);
	assert_options_default(&cfg);
}

/* ---- glibc's validity rules ---- */

struct rule_case {
	enum hg_param which;
	size_t good, bad; /* last accepted, first ignored */
};

static void test_params_set_boundaries(void **state)
{
	static const struct rule_case cases[] = {
		{ HG_PARAM_CHECK, 3, 4 },
		{ HG_PARAM_PERTURB, 255, 256 },
		{ HG_PARAM_MMAP_MAX, INT32_MAX, (size_t)INT32_MAX + 1 },
		{ HG_PARAM_TCACHE_MAX, 1032, 1033 },
		{ HG_PARAM_TCACHE_COUNT, 65535, 65536 },
		{ HG_PARAM_MXFAST, 160, 161 },
		{ HG_PARAM_HUGETLB, 2, 3 },
	};
	struct hg_params p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum hg_param w = cases[i].which;
		size_t before;

		hg_params_defaults(&p);
		before = p.value[w];
		assert_false(hg_params_set(&p, w, cases[i].bad, HG_SOURCE_MALLOPT));
		assert_int_equal(p.value[w], before);
		assert_false(p.set[w]);
		assert_int_equal(p.source[w], HG_SOURCE_DEFAULT);
		assert_true(hg_params_set(&p, w, cases[i].good, HG_SOURCE_MALLOPT));
		assert_int_equal(p.value[w], cases[i].good);
		assert_true(p.set[w]);
		assert_int_equal(p.source[w], HG_SOURCE_MALLOPT);
		assert_true(hg_params_set(&p, w, 0, HG_SOURCE_MALLOPT));
	}
	/* arena_max and arena_test need at least 1 */
	hg_params_defaults(&p);
	assert_false(hg_params_set(&p, HG_PARAM_ARENA_MAX, 0, HG_SOURCE_MALLOPT));
	assert_false(hg_params_set(&p, HG_PARAM_ARENA_TEST, 0, HG_SOURCE_MALLOPT));
	assert_int_equal(p.value[HG_PARAM_ARENA_TEST], 8);
	assert_true(hg_params_set(&p, HG_PARAM_ARENA_MAX, 1, HG_SOURCE_MALLOPT));
	assert_true(hg_params_set(&p, HG_PARAM_ARENA_TEST, 1, HG_SOURCE_MALLOPT));
	/* unbounded ones */
	assert_true(hg_params_set(&p, HG_PARAM_TOP_PAD, SIZE_MAX, HG_SOURCE_MALLOPT));
	/* glibc 2.36 (measured) takes any mmap threshold, even above 32 MiB */
	assert_true(hg_params_set(&p, HG_PARAM_MMAP_THRESHOLD, 64 * MiB,
				  HG_SOURCE_MALLOPT));
	assert_true(hg_params_set(&p, HG_PARAM_MMAP_THRESHOLD, SIZE_MAX,
				  HG_SOURCE_MALLOPT));
	assert_true(hg_params_set(&p, HG_PARAM_TRIM_THRESHOLD, SIZE_MAX,
				  HG_SOURCE_MALLOPT));
	assert_true(hg_params_set(&p, HG_PARAM_TCACHE_UNSORTED_LIMIT, SIZE_MAX,
				  HG_SOURCE_MALLOPT));
	assert_false(hg_params_set(&p, HG_PARAM_COUNT, 1, HG_SOURCE_MALLOPT));
	assert_false(hg_params_set(&p, (enum hg_param)-1, 1, HG_SOURCE_MALLOPT));
}

static void test_dynamic_threshold_disabled_by_the_four(void **state)
{
	static const enum hg_param four[] = { HG_PARAM_MMAP_THRESHOLD,
					      HG_PARAM_TRIM_THRESHOLD,
					      HG_PARAM_TOP_PAD, HG_PARAM_MMAP_MAX };
	struct hg_params p;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		hg_params_defaults(&p);
		assert_true(hg_params_set(&p, four[i], 4096, HG_SOURCE_MALLOPT));
		assert_true(hg_params_no_dyn_threshold(&p));
	}
	hg_params_defaults(&p);
	assert_true(hg_params_set(&p, HG_PARAM_PERTURB, 1, HG_SOURCE_MALLOPT));
	assert_true(hg_params_set(&p, HG_PARAM_ARENA_MAX, 1, HG_SOURCE_MALLOPT));
	assert_false(hg_params_no_dyn_threshold(&p));
	/* an ignored value does not count */
	assert_false(hg_params_set(&p, HG_PARAM_MMAP_MAX, (size_t)INT32_MAX + 1,
				   HG_SOURCE_MALLOPT));
	assert_false(hg_params_no_dyn_threshold(&p));
}

/* One MALLOC_* value: expect it applied (want) or ignored (ignored=true). */
static void env_case(const char *entry, enum hg_param which, bool ignored,
		     size_t want)
{
	struct hg_config cfg;

	load1(&cfg, entry);
	if (ignored) {
		assert_int_equal(cfg.params.source[which], HG_SOURCE_DEFAULT);
		assert_false(cfg.params.set[which]);
	} else {
		assert_int_equal(cfg.params.value[which], want);
		assert_true(cfg.params.set[which]);
	}
}

static void test_malloc_variable_rules(void **state)
{
	(void)state;
	env_case("MALLOC_MMAP_THRESHOLD_=33554432", HG_PARAM_MMAP_THRESHOLD, false,
		 32 * MiB);
	env_case("MALLOC_MMAP_THRESHOLD_=33554433", HG_PARAM_MMAP_THRESHOLD, false,
		 32 * MiB + 1);
	env_case("MALLOC_PERTURB_=255", HG_PARAM_PERTURB, false, 255);
	env_case("MALLOC_PERTURB_=256", HG_PARAM_PERTURB, true, 0);
	env_case("MALLOC_CHECK_=3", HG_PARAM_CHECK, false, 3);
	env_case("MALLOC_CHECK_=4", HG_PARAM_CHECK, true, 0);
	env_case("MALLOC_ARENA_MAX=0", HG_PARAM_ARENA_MAX, true, 0);
	env_case("MALLOC_ARENA_MAX=1", HG_PARAM_ARENA_MAX, false, 1);
	env_case("MALLOC_ARENA_TEST=0", HG_PARAM_ARENA_TEST, true, 0);
	env_case("MALLOC_ARENA_TEST=1", HG_PARAM_ARENA_TEST, false, 1);
	env_case("MALLOC_MMAP_MAX_=2147483647", HG_PARAM_MMAP_MAX, false, INT32_MAX);
	env_case("MALLOC_MMAP_MAX_=2147483648", HG_PARAM_MMAP_MAX, true, 0);
	/* glibc's number syntax: hex, octal, '+', leading blanks */
	env_case("MALLOC_TOP_PAD_=0x1000", HG_PARAM_TOP_PAD, false, 4096);
	env_case("MALLOC_TOP_PAD_=010", HG_PARAM_TOP_PAD, false, 8);
	env_case("MALLOC_TOP_PAD_=0", HG_PARAM_TOP_PAD, false, 0);
	env_case("MALLOC_TOP_PAD_=+5", HG_PARAM_TOP_PAD, false, 5);
	env_case("MALLOC_TOP_PAD_= 6", HG_PARAM_TOP_PAD, false, 6);
	/* non-numeric, negative, trailing junk, empty, overflow: ignored */
	env_case("MALLOC_TOP_PAD_=abc", HG_PARAM_TOP_PAD, true, 0);
	env_case("MALLOC_TOP_PAD_=-1", HG_PARAM_TOP_PAD, true, 0);
	env_case("MALLOC_TOP_PAD_=12k", HG_PARAM_TOP_PAD, true, 0);
	env_case("MALLOC_TOP_PAD_=", HG_PARAM_TOP_PAD, true, 0);
	env_case("MALLOC_TOP_PAD_=0x", HG_PARAM_TOP_PAD, true, 0);
	env_case("MALLOC_TOP_PAD_=08", HG_PARAM_TOP_PAD, true, 0);
	env_case("MALLOC_TOP_PAD_=99999999999999999999999", HG_PARAM_TOP_PAD, true, 0);
	env_case("MALLOC_PERTURB_=-1", HG_PARAM_PERTURB, true, 0);
	/* stricter than glibc 2.36, which reads these as 0, 9 and SIZE_MAX */
	env_case("MALLOC_MMAP_THRESHOLD_=abc", HG_PARAM_MMAP_THRESHOLD, true, 0);
	env_case("MALLOC_PERTURB_=9x", HG_PARAM_PERTURB, true, 0);
	env_case("MALLOC_MMAP_THRESHOLD_=-1", HG_PARAM_MMAP_THRESHOLD, true, 0);
}

static void test_tunable_rules(void **state)
{
	(void)state;
	env_case("GLIBC_TUNABLES=glibc.malloc.tcache_max=1032",
		 HG_PARAM_TCACHE_MAX, false, 1032);
	env_case("GLIBC_TUNABLES=glibc.malloc.tcache_max=1033",
		 HG_PARAM_TCACHE_MAX, true, 0);
	env_case("GLIBC_TUNABLES=glibc.malloc.tcache_count=65535",
		 HG_PARAM_TCACHE_COUNT, false, 65535);
	env_case("GLIBC_TUNABLES=glibc.malloc.tcache_count=65536",
		 HG_PARAM_TCACHE_COUNT, true, 0);
	env_case("GLIBC_TUNABLES=glibc.malloc.tcache_count=0",
		 HG_PARAM_TCACHE_COUNT, false, 0);
	env_case("GLIBC_TUNABLES=glibc.malloc.mxfast=160", HG_PARAM_MXFAST, false,
		 160);
	env_case("GLIBC_TUNABLES=glibc.malloc.mxfast=161", HG_PARAM_MXFAST, true, 0);
	env_case("GLIBC_TUNABLES=glibc.malloc.mxfast=0", HG_PARAM_MXFAST, false, 0);
	env_case("GLIBC_TUNABLES=glibc.malloc.hugetlb=2", HG_PARAM_HUGETLB, false, 2);
	env_case("GLIBC_TUNABLES=glibc.malloc.hugetlb=3", HG_PARAM_HUGETLB, true, 0);
	env_case("GLIBC_TUNABLES=glibc.malloc.arena_max=0", HG_PARAM_ARENA_MAX, true,
		 0);
	env_case("GLIBC_TUNABLES=glibc.malloc.arena_test=0", HG_PARAM_ARENA_TEST,
		 true, 0);
	env_case("GLIBC_TUNABLES=glibc.malloc.mmap_threshold=0x2000000",
		 HG_PARAM_MMAP_THRESHOLD, false, 32 * MiB);
	env_case("GLIBC_TUNABLES=glibc.malloc.mmap_threshold=0x4000000",
		 HG_PARAM_MMAP_THRESHOLD, false, 64 * MiB);
	env_case("GLIBC_TUNABLES=glibc.malloc.check=4", HG_PARAM_CHECK, true, 0);
	env_case("GLIBC_TUNABLES=glibc.malloc.perturb=-3", HG_PARAM_PERTURB, true, 0);
	env_case("GLIBC_TUNABLES=glibc.malloc.tcache_unsorted_limit=1000000",
		 HG_PARAM_TCACHE_UNSORTED_LIMIT, false, 1000000);
}

static void test_tunables_other_namespaces_and_garbage(void **state)
{
	struct hg_config cfg;
	static const char *const junk[] = {
		"GLIBC_TUNABLES=",
		"GLIBC_TUNABLES=:",
		"GLIBC_TUNABLES=::=::==:",
		"GLIBC_TUNABLES=glibc.malloc.top_pad",
		"GLIBC_TUNABLES=glibc.malloc.top_pad=",
		"GLIBC_TUNABLES=glibc.malloc.top_pad=x1",
		"GLIBC_TUNABLES=glibc.malloc.top_pad=1=2",
		"GLIBC_TUNABLES=glibc.malloc.top_pad =1",
		"GLIBC_TUNABLES=glibc.malloc.top_pad\x01=1",
		"GLIBC_TUNABLES=glibc.malloc.top_padx=1",
		"GLIBC_TUNABLES=glibc.malloc.top_=1",
		"GLIBC_TUNABLES=GLIBC.MALLOC.TOP_PAD=1",
		"GLIBC_TUNABLES=glibc.malloc.unknown=3",
		"GLIBC_TUNABLES=glibc.pthread.mutex_spin_count=5",
		"GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2_Usable,-AVX_Fast_Unaligned_Load",
		"GLIBC_TUNABLES=malloc.top_pad=1",
		"GLIBC_TUNABLES=\xff\xfe\x01\x7f:=",
		"GLIBC_TUNABLES=glibc.malloc.top_pad=1111111111111111111111111111111111111111",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		load1(&cfg, junk[i]);
		for (int k = 0; k < HG_PARAM_COUNT; k++)
			assert_int_equal(cfg.params.source[k], HG_SOURCE_DEFAULT);
	}
	/* good entries around junk still apply */
	load1(&cfg, "GLIBC_TUNABLES=glibc.rtld.nns=8:garbage:glibc.malloc.arena_max=2:"
		    "glibc.elision.enable=1:=:glibc.malloc.perturb=0x41:");
	assert_int_equal(cfg.params.value[HG_PARAM_ARENA_MAX], 2);
	assert_int_equal(cfg.params.value[HG_PARAM_PERTURB], 0x41);
	assert_int_equal(cfg.params.source[HG_PARAM_TOP_PAD], HG_SOURCE_DEFAULT);
}

/* ---- report_signal: names and numbers, parsed in base/ for everyone ---- */

static void test_report_signal_names_and_numbers(void **state)
{
	static const struct {
		const char *value;
		int sig; /* 0: SIGRTMIN + rt, -1: SIGRTMAX - rt */
		int rt;
	} good[] = {
		{ "SIGUSR2", SIGUSR2, 0 },
		{ "USR2", SIGUSR2, 0 },
		{ "usr2", SIGUSR2, 0 },
		{ "sigusr1", SIGUSR1, 0 },
		{ "SigTerm", SIGTERM, 0 },
		{ "12", 12, 0 },
		{ "1", SIGHUP, 0 },
		{ "SIGIO", SIGIO, 0 },
		{ "poll", SIGPOLL, 0 },
		{ "SIGABRT", SIGABRT, 0 },
		{ "SIGWINCH", SIGWINCH, 0 },
		{ "SIGSYS", SIGSYS, 0 },
		{ "SIGRTMIN", 0, 0 },
		{ "RTMIN+3", 0, 3 },
		{ "rtmin+0", 0, 0 },
		{ "SIGRTMAX", -1, 0 },
		{ "rtmax-1", -1, 1 },
		{ "RTMAX-30", -1, 30 },
		{ "34", 0, 0 },
		{ "64", -1, 0 },
	};
	struct hg_config cfg;
	char opts[64];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		const char *why = NULL;
		int want = good[i].sig > 0    ? good[i].sig
			   : good[i].sig == 0 ? SIGRTMIN + good[i].rt
					      : SIGRTMAX - good[i].rt;

		assert_int_equal(hg_signal_parse(good[i].value, strlen(good[i].value), &why), want);
		assert_null(why);
		snprintf(opts, sizeof(opts), "report_signal=%s", good[i].value);
		assert_string_equal(load_options(&cfg, opts), "");
		/* kept as given: the reports record what the user wrote */
		assert_string_equal(cfg.options.report_signal, good[i].value);
	}
	assert_string_equal(load_options(&cfg, "report_signal=USR1:report_signal="), "");
	assert_string_equal(cfg.options.report_signal, "");
	assert_int_equal(cfg.option_source[HG_OPTION_ID_report_signal], HG_SOURCE_HEAPGUARD_ENV);
}

static void test_report_signal_refused(void **state)
{
	static const struct {
		const char *value, *why;
	} bad[] = {
		{ "SIGFOO", "unknown signal" },
		{ "FOO", "unknown signal" },
		{ "SIG", "unknown signal" },
		{ "USR", "unknown signal" },
		{ "SIGUSR2 ", "unknown signal" },
		{ "0", "unknown signal" },
		{ "65", "unknown signal" },
		{ "99999", "unknown signal" },
		{ "-1", "unknown signal" },
		{ "0x0c", "unknown signal" },
		{ "RTMIN+", "unknown signal" },
		{ "RTMIN-1", "unknown signal" },
		{ "RTMIN+31", "unknown signal" },
		{ "RTMAX+1", "unknown signal" },
		{ "SIGKILL", "signal cannot be caught" },
		{ "9", "signal cannot be caught" },
		{ "stop", "signal cannot be caught" },
		{ "SIGSEGV", "fault signal" },
		{ "11", "fault signal" },
		{ "bus", "fault signal" },
		{ "SIGFPE", "fault signal" },
		{ "SIGILL", "fault signal" },
		{ "32", "signal reserved by the C library" },
		{ "33", "signal reserved by the C library" },
		{ "SIGUSR2SIGUSR2SI", "value too long" },
	};
	char opts[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		snprintf(opts, sizeof(opts), "report_signal=%s", bad[i].value);
		expect_rejected(opts, opts, bad[i].why);
		if (strcmp(bad[i].why, "value too long") != 0) {
			assert_int_equal(hg_signal_parse(bad[i].value, strlen(bad[i].value), &why),
					 0);
			assert_string_equal(why, bad[i].why);
		}
	}
}

/* ---- glibc's parameters: the table of base/params.def ---- */

static void test_param_table(void **state)
{
	static const char *const env[HG_PARAM_COUNT] = {
		[HG_PARAM_CHECK] = "MALLOC_CHECK_",
		[HG_PARAM_TOP_PAD] = "MALLOC_TOP_PAD_",
		[HG_PARAM_PERTURB] = "MALLOC_PERTURB_",
		[HG_PARAM_MMAP_THRESHOLD] = "MALLOC_MMAP_THRESHOLD_",
		[HG_PARAM_TRIM_THRESHOLD] = "MALLOC_TRIM_THRESHOLD_",
		[HG_PARAM_MMAP_MAX] = "MALLOC_MMAP_MAX_",
		[HG_PARAM_ARENA_MAX] = "MALLOC_ARENA_MAX",
		[HG_PARAM_ARENA_TEST] = "MALLOC_ARENA_TEST",
	};
	struct hg_params p;

	(void)state;
	hg_params_defaults(&p);
	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		const char *name = hg_param_name((enum hg_param)i);
		char tunable[64];

		assert_non_null(name);
		assert_int_equal(hg_param_find(name, strlen(name)), i);
		snprintf(tunable, sizeof(tunable), "glibc.malloc.%s", name);
		assert_string_equal(hg_param_tunable_name((enum hg_param)i), tunable);
		if (env[i] == NULL)
			assert_null(hg_param_env_name((enum hg_param)i));
		else
			assert_string_equal(hg_param_env_name((enum hg_param)i), env[i]);
		/* every default is a value glibc accepts, but arena_max's 0 */
		assert_int_equal(hg_params_set(&p, (enum hg_param)i, p.value[i], HG_SOURCE_DEFAULT),
				 i != HG_PARAM_ARENA_MAX);
	}
	assert_null(hg_param_name(HG_PARAM_COUNT));
	assert_null(hg_param_tunable_name((enum hg_param) - 1));
	assert_int_equal(hg_param_find("arena_max", 9), HG_PARAM_ARENA_MAX);
	assert_int_equal(hg_param_find("arena_max=2", 9), HG_PARAM_ARENA_MAX);
	assert_int_equal(hg_param_find("arena", 5), -1);
	assert_int_equal(hg_param_find("glibc.malloc.arena_max", 22), -1);
	assert_int_equal(hg_param_find("ARENA_MAX", 9), -1);
}

/* The launcher's --name=VALUE: glibc's number syntax and range. */
static void test_param_parse(void **state)
{
	static const struct {
		enum hg_param which;
		const char *value, *why;
		size_t want;
	} cases[] = {
		{ HG_PARAM_ARENA_MAX, "2", NULL, 2 },
		{ HG_PARAM_ARENA_MAX, "0x10", NULL, 16 },
		{ HG_PARAM_ARENA_MAX, "010", NULL, 8 },
		{ HG_PARAM_ARENA_MAX, "0", "out of range", 0 },
		{ HG_PARAM_TOP_PAD, "0", NULL, 0 },
		{ HG_PARAM_TOP_PAD, "18446744073709551615", NULL, SIZE_MAX },
		{ HG_PARAM_TOP_PAD, "18446744073709551616", "number too large", 0 },
		{ HG_PARAM_TOP_PAD, "4k", "not a number", 0 },
		{ HG_PARAM_TOP_PAD, "-1", "not a number", 0 },
		{ HG_PARAM_TOP_PAD, "08", "not a number", 0 },
		{ HG_PARAM_TOP_PAD, "", "empty value", 0 },
		{ HG_PARAM_TCACHE_MAX, "1032", NULL, 1032 },
		{ HG_PARAM_TCACHE_MAX, "1033", "out of range", 0 },
		{ HG_PARAM_HUGETLB, "3", "out of range", 0 },
		{ HG_PARAM_MMAP_MAX, "2147483648", "out of range", 0 },
		{ HG_PARAM_COUNT, "1", "unknown parameter", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t v = 12345;
		const char *why =
			hg_param_parse(cases[i].which, cases[i].value, strlen(cases[i].value), &v);

		if (cases[i].why == NULL) {
			assert_null(why);
			assert_int_equal(v, cases[i].want);
		} else {
			assert_non_null(why);
			assert_string_equal(why, cases[i].why);
			assert_int_equal(v, 12345);
		}
	}
}

/* mallopt's numbers and glibc's reading of each value. */
static void test_param_from_mallopt(void **state)
{
	static const struct {
		int param, value;
		bool changes;
		enum hg_param which;
		size_t v;
	} cases[] = {
		{ M_TOP_PAD, 4096, true, HG_PARAM_TOP_PAD, 4096 },
		{ M_TOP_PAD, -1, true, HG_PARAM_TOP_PAD, SIZE_MAX },
		{ M_TRIM_THRESHOLD, 7, true, HG_PARAM_TRIM_THRESHOLD, 7 },
		{ M_MMAP_THRESHOLD, 65536, true, HG_PARAM_MMAP_THRESHOLD, 65536 },
		{ M_MXFAST, 64, true, HG_PARAM_MXFAST, 64 },
		{ M_MXFAST, -1, true, HG_PARAM_MXFAST, SIZE_MAX }, /* then out of range */
		{ M_MMAP_MAX, -5, true, HG_PARAM_MMAP_MAX, 0 },
		{ M_MMAP_MAX, 9, true, HG_PARAM_MMAP_MAX, 9 },
		{ M_PERTURB, 0x1a5, true, HG_PARAM_PERTURB, 0xa5 },
		{ M_ARENA_MAX, 3, true, HG_PARAM_ARENA_MAX, 3 },
		{ M_ARENA_MAX, 0, false, HG_PARAM_COUNT, 0 },
		{ M_ARENA_TEST, -1, false, HG_PARAM_COUNT, 0 },
		{ M_CHECK_ACTION, 1, false, HG_PARAM_COUNT, 0 },
		{ 0, 1, false, HG_PARAM_COUNT, 0 },
		{ 12345, 1, false, HG_PARAM_COUNT, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum hg_param which = HG_PARAM_COUNT;
		size_t v = 0;
		int result = -1;

		assert_int_equal(
			hg_param_from_mallopt(cases[i].param, cases[i].value, &which, &v, &result),
			cases[i].changes);
		if (cases[i].changes) {
			assert_int_equal(which, cases[i].which);
			assert_int_equal(v, cases[i].v);
		} else {
			assert_int_equal(result, 1); /* glibc 2.36 returns 1 for these */
		}
	}
}

/* ---- AT_SECURE ---- */

static void test_secure_ignores_whole_environment(void **state)
{
	struct hg_config cfg;
	char *envp[] = { "MALLOC_CHECK_=0", "MALLOC_PERTURB_=9",
			 "MALLOC_ARENA_MAX=1",
			 "GLIBC_TUNABLES=glibc.malloc.tcache_count=0",
			 "HEAPGUARD_OPTIONS=log=/etc/shadow:verbose=1", NULL };
	char *bad[] = { "HEAPGUARD_OPTIONS=garbage", NULL };

	(void)state;
	assert_string_equal(load_capture(&cfg, envp, true), "");
	for (int i = 0; i < HG_PARAM_COUNT; i++) {
		assert_int_equal(cfg.params.source[i], HG_SOURCE_DEFAULT);
		assert_false(cfg.params.set[i]);
	}
	assert_int_equal(cfg.params.value[HG_PARAM_CHECK], 3);
	assert_options_default(&cfg);
	/* not even a warning for a bad string */
	assert_string_equal(load_capture(&cfg, bad, true), "");
}

/* ---- listings ---- */

static const char *capture_fd(void (*fn)(const struct hg_config *, int),
			      const struct hg_config *cfg, void (*help)(int))
{
	static char out[65536];
	int fds[2];
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	if (fn != NULL)
		fn(cfg, fds[1]);
	else
		help(fds[1]);
	close(fds[1]);
	n = read(fds[0], out, sizeof(out) - 1);
	close(fds[0]);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

static void test_config_print_names_value_and_source(void **state)
{
	struct hg_config cfg;
	char *envp[] = { "MALLOC_TOP_PAD_=4096",
			 "GLIBC_TUNABLES=glibc.malloc.arena_max=2",
			 "HEAPGUARD_OPTIONS=verbose=1:log=/tmp/a'b", NULL };
	const char *out;

	(void)state;
	assert_string_equal(load_capture(&cfg, envp, false), "");
	assert_true(hg_params_set(&cfg.params, HG_PARAM_PERTURB, 42,
				  HG_SOURCE_MALLOPT));
	out = capture_fd(hg_config_print, &cfg, NULL);
	assert_int_equal(count_lines(out), HG_PARAM_COUNT + HG_OPTION_COUNT);
	assert_non_null(strstr(out, "heapguard: glibc.malloc.top_pad = 4096 (MALLOC_TOP_PAD_)\n"));
	assert_non_null(strstr(out, "heapguard: glibc.malloc.arena_max = 2 (GLIBC_TUNABLES)\n"));
	assert_non_null(strstr(out, "heapguard: glibc.malloc.perturb = 42 (mallopt)\n"));
	assert_non_null(strstr(out, "heapguard: glibc.malloc.mmap_threshold = 131072 (default)\n"));
	assert_non_null(strstr(out, "heapguard: check = 3 (default)\n"));
	assert_non_null(strstr(out, "heapguard: verbose = 1 (HEAPGUARD_OPTIONS)\n"));
	assert_non_null(strstr(out, "heapguard: log = \"/tmp/a\\x27b\" (HEAPGUARD_OPTIONS)\n"));
	assert_non_null(strstr(out, "heapguard: stats_at_exit = 0 (default)\n"));
	assert_non_null(strstr(out, "heapguard: level = full (default)\n"));
	assert_non_null(strstr(out, "heapguard: quarantine = 4194304 (default)\n"));
	for (int i = 0; i < HG_PARAM_COUNT; i++)
		assert_non_null(strstr(out, hg_param_tunable_name((enum hg_param)i)));
}

static void test_config_print_check_from_malloc_check(void **state)
{
	struct hg_config cfg;

	(void)state;
	load1(&cfg, "MALLOC_CHECK_=2");
	assert_non_null(strstr(capture_fd(hg_config_print, &cfg, NULL),
			       "heapguard: check = 2 (MALLOC_CHECK_)\n"));
}

static void test_config_print_names_enum_values(void **state)
{
	struct hg_config cfg;

	(void)state;
	load1(&cfg, "HEAPGUARD_OPTIONS=level=0:quarantine=0");
	assert_non_null(strstr(capture_fd(hg_config_print, &cfg, NULL),
			       "heapguard: level = fast (HEAPGUARD_OPTIONS)\n"));
	assert_non_null(strstr(capture_fd(hg_config_print, &cfg, NULL),
			       "heapguard: quarantine = 0 (HEAPGUARD_OPTIONS)\n"));
	load1(&cfg, "HEAPGUARD_OPTIONS=level=FULL");
	assert_non_null(strstr(capture_fd(hg_config_print, &cfg, NULL),
			       "heapguard: level = full (HEAPGUARD_OPTIONS)\n"));
	/* a value no parser would store still prints, as its number */
	cfg.options.level = 7;
	assert_non_null(strstr(capture_fd(hg_config_print, &cfg, NULL),
			       "heapguard: level = 7 (HEAPGUARD_OPTIONS)\n"));
}

static void test_help_lists_every_option(void **state)
{
	const char *out = capture_fd(NULL, NULL, hg_options_help);
	const char *line = out;

	(void)state;
	assert_int_equal(count_lines(out), HG_OPTION_COUNT);
	for (int i = 0; i < hg_option_count(); i++) {
		size_t n = strlen(hg_option_name(i));

		assert_memory_equal(line, hg_option_name(i), n);
		assert_int_equal(line[n], ' ');
		line = strchr(line, '\n') + 1;
	}
	assert_non_null(strstr(out, "check           int     3  [0..3]  "));
	assert_non_null(strstr(out, "log             string  \"\"  [0..255 bytes]  "));
	assert_non_null(strstr(out, "verbose         bool    0  [0..1]  "));
	assert_non_null(strstr(out, "\nlevel           enum    full  [fast|full]  checks: "));
	assert_non_null(strstr(out, "\nquarantine      int     4194304  [0..1073741824]  bytes "));
}

/* --help-options lists glibc's parameters the launcher takes as --name=VALUE:
 * all but check, whose name is heapguard's option. */
static void test_help_lists_glibc_parameters(void **state)
{
	static char out[65536];

	(void)state;
	strcpy(out, capture_fd(NULL, NULL, hg_params_help));
	assert_int_equal(count_lines(out), HG_PARAM_COUNT - 1);
	for (const char *line = out; *line != '\0'; line = strchr(line, '\n') + 1) {
		char name[64];

		assert_int_equal(sscanf(line, "%63s number ", name), 1);
		assert_true(hg_param_find(name, strlen(name)) >= 0);
		assert_false(hg_option_exists(name, strlen(name)));
	}
	assert_non_null(strstr(out, "arena_max       number  0  [1..SIZE_MAX]  "
				    "glibc.malloc.arena_max, MALLOC_ARENA_MAX: "));
	assert_non_null(strstr(out, "\ntcache_unsorted_limit number  0  [0..SIZE_MAX]  "
				    "glibc.malloc.tcache_unsorted_limit: "));
	assert_non_null(
		strstr(out, "\nmxfast          number  128  [0..160]  glibc.malloc.mxfast: "));
	assert_null(strstr(out, "glibc.malloc.check"));
	assert_non_null(
		strstr(capture_fd(NULL, NULL, hg_options_help_values),
		       "\n  number  as glibc reads it: decimal, hexadecimal after 0x or octal "
		       "after 0,\n          without a suffix\n"));
}

/* --help-options says how each type's values are spelled, as the parser
 * reads them. */
static void test_help_says_how_values_are_spelled(void **state)
{
	const char *out = capture_fd(NULL, NULL, hg_options_help_values);

	(void)state;
	assert_non_null(
		strstr(out, "\n  bool    1, true, yes, on or 0, false, no, off, in any case\n"));
	assert_non_null(strstr(out,
			       "\n  int     decimal, or hexadecimal after 0x, with an optional "
			       "K, M or G suffix\n          (KiB, MiB, GiB) in either case\n"));
	assert_non_null(
		strstr(out, "\n  enum    one of its names, in any case, or its index from 0\n"));
	assert_non_null(strstr(out, "\n  signal  a name with or without SIG, in any case"));
	assert_non_null(strstr(capture_fd(NULL, NULL, hg_options_help),
			       "\nreport_signal   signal  \"\"  [0..15 bytes]  "));
}

/* Every enum option: its help line lists the choices; the names are
 * distinct lowercase words; the indices accepted are exactly 0..names-1,
 * and each name parses to its own index. */
static void test_every_enum_is_consistent(void **state)
{
	static char out[65536]; /* capture_fd's buffer is reused below */
	int enums = 0;

	(void)state;
	strcpy(out, capture_fd(NULL, NULL, hg_options_help));
	for (int i = 0; i < hg_option_count(); i++) {
		const char *line = out, *open;
		char want[128], opts[128];
		size_t len, names = 1;
		struct hg_config cfg;

		for (int k = 0; k < i; k++)
			line = strchr(line, '\n') + 1;
		if (strncmp(line + 16, "enum ", 5) != 0) {
			assert_null(hg_option_choice(i, 0, &len));
			continue;
		}
		enums++;
		open = strchr(line, '[');
		assert_non_null(open);
		for (const char *c = open + 1; *c != ']'; c++) {
			assert_true(*c == '|' || (*c >= 'a' && *c <= 'z') ||
				    (*c >= '0' && *c <= '9') || *c == '_');
			names += *c == '|';
		}
		for (size_t k = 0; k < names; k++) {
			const char *name = hg_option_choice(i, (long)k, &len);

			assert_non_null(name);
			assert_true(len > 0 && len < 32);
			assert_false(name[0] >= '0' && name[0] <= '9');
			snprintf(opts, sizeof(opts), "%s=%.*s", hg_option_name(i),
				 (int)len, name);
			snprintf(want, sizeof(want), "heapguard: %s = %.*s (HEAPGUARD_OPTIONS)\n",
				 hg_option_name(i), (int)len, name);
			assert_string_equal(load_options(&cfg, opts), "");
			assert_non_null(strstr(capture_fd(hg_config_print, &cfg, NULL), want));
			snprintf(opts, sizeof(opts), "%s=%zu", hg_option_name(i), k);
			assert_string_equal(load_options(&cfg, opts), "");
			assert_non_null(strstr(capture_fd(hg_config_print, &cfg, NULL), want));
			for (size_t m = 0; m < k; m++) {
				size_t mlen;
				const char *other = hg_option_choice(i, (long)m, &mlen);

				assert_false(mlen == len && memcmp(other, name, len) == 0);
			}
		}
		assert_null(hg_option_choice(i, (long)names, &len));
		snprintf(opts, sizeof(opts), "%s=%zu", hg_option_name(i), names);
		snprintf(want, sizeof(want), "%.*s", (int)(strchr(open, ']') - open - 1),
			 open + 1);
		{
			char line_want[512];

			snprintf(line_want, sizeof(line_want),
				 "heapguard: HEAPGUARD_OPTIONS: ignoring bad token '%s' (expected "
				 "%s)\n",
				 opts, want);
			assert_string_equal(load_options(&cfg, opts), line_want);
		}
	}
	assert_true(enums >= 1);
}

static void test_option_iteration(void **state)
{
	(void)state;
	assert_int_equal(hg_option_count(), HG_OPTION_COUNT);
	assert_string_equal(hg_option_name(HG_OPTION_ID_check), "check");
	assert_string_equal(hg_option_name(HG_OPTION_ID_stats_at_exit),
			    "stats_at_exit");
	assert_string_equal(hg_option_name(HG_OPTION_ID_level), "level");
	assert_string_equal(hg_option_name(HG_OPTION_ID_quarantine), "quarantine");
	assert_true(hg_option_exists("level=fast", 5));
	assert_true(hg_option_exists("quarantine", 10));
	assert_null(hg_option_name(-1));
	assert_null(hg_option_name(HG_OPTION_COUNT));
	assert_true(hg_option_exists("verbose", 7));
	assert_true(hg_option_exists("verbose=1", 7));
	assert_false(hg_option_exists("verbos", 6));
	assert_false(hg_option_exists("verbose", 8 - 1 + 1));
	assert_false(hg_option_exists(NULL, 0));
	assert_string_equal(hg_param_env_name(HG_PARAM_ARENA_MAX), "MALLOC_ARENA_MAX");
	assert_null(hg_param_env_name(HG_PARAM_MXFAST));
	assert_string_equal(hg_source_name(HG_SOURCE_HEAPGUARD_ENV),
			    "HEAPGUARD_OPTIONS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_without_environment),
		cmocka_unit_test(test_empty_environment_and_empty_options_keep_defaults),
		cmocka_unit_test(test_good_string_sets_every_option),
		cmocka_unit_test(test_bool_spellings),
		cmocka_unit_test(test_bool_refused_spellings),
		cmocka_unit_test(test_integer_forms),
		cmocka_unit_test(test_last_duplicate_wins),
		cmocka_unit_test(test_longest_string_accepted),
		cmocka_unit_test(test_string_may_hold_utf8_and_equals),
		cmocka_unit_test(test_comma_instead_of_colon),
		cmocka_unit_test(test_enum_accepts_names_in_any_case),
		cmocka_unit_test(test_enum_accepts_the_index),
		cmocka_unit_test(test_enum_rejects_other_values),
		cmocka_unit_test(test_enum_constants_match_the_table),
		cmocka_unit_test(test_quarantine_sizes),
		cmocka_unit_test(test_unknown_option_is_ignored_alone),
		cmocka_unit_test(test_every_good_token_applies),
		cmocka_unit_test(test_warnings_are_capped),
		cmocka_unit_test(test_missing_equals),
		cmocka_unit_test(test_missing_name),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_string_one_byte_too_long),
		cmocka_unit_test(test_control_and_binary_bytes),
		cmocka_unit_test(test_quote_and_backslash_are_escaped),
		cmocka_unit_test(test_long_token_is_truncated_in_warning),
		cmocka_unit_test(test_one_megabyte_string),
		cmocka_unit_test(test_no_read_past_terminator),
		cmocka_unit_test(test_parse_reports_each_bad_token),
		cmocka_unit_test(test_error_text_is_quoted_and_truncated),
		cmocka_unit_test(test_malloc_variables_are_read),
		cmocka_unit_test(test_every_tunable_is_read),
		cmocka_unit_test(test_precedence_tunables_over_malloc_variables),
		cmocka_unit_test(test_invalid_tunable_keeps_malloc_variable),
		cmocka_unit_test(test_check_precedence),
		cmocka_unit_test(test_rejected_check_keeps_glibc_check),
		cmocka_unit_test(test_first_of_duplicate_variables_wins),
		cmocka_unit_test(test_similar_names_are_not_matched),
		cmocka_unit_test(test_params_set_boundaries),
		cmocka_unit_test(test_dynamic_threshold_disabled_by_the_four),
		cmocka_unit_test(test_malloc_variable_rules),
		cmocka_unit_test(test_tunable_rules),
		cmocka_unit_test(test_tunables_other_namespaces_and_garbage),
		cmocka_unit_test(test_report_signal_names_and_numbers),
		cmocka_unit_test(test_report_signal_refused),
		cmocka_unit_test(test_param_table),
		cmocka_unit_test(test_param_parse),
		cmocka_unit_test(test_param_from_mallopt),
		cmocka_unit_test(test_secure_ignores_whole_environment),
		cmocka_unit_test(test_config_print_names_value_and_source),
		cmocka_unit_test(test_config_print_check_from_malloc_check),
		cmocka_unit_test(test_config_print_names_enum_values),
		cmocka_unit_test(test_help_lists_every_option),
		cmocka_unit_test(test_help_lists_glibc_parameters),
		cmocka_unit_test(test_help_says_how_values_are_spelled),
		cmocka_unit_test(test_every_enum_is_consistent),
		cmocka_unit_test(test_option_iteration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
