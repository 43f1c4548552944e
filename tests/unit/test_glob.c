/* SPDX-License-Identifier: MIT */
/* base/glob.c, the matcher of only= and skip=: every construct, the corner
 * cases a shell has (a ']' first in a set, an unclosed '[', escapes), the
 * basename-or-path rule of a list, and that hostile patterns end quickly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../base/glob.h"

static bool match(const char *pat, const char *s)
{
	return hg_glob_match(pat, strlen(pat), s, strlen(s));
}

static void test_literal_and_star(void **state)
{
	(void)state;
	assert_true(match("python3", "python3"));
	assert_false(match("python3", "python3.11"));
	assert_true(match("python*", "python3.11"));
	assert_true(match("*", ""));
	assert_true(match("*", "anything"));
	assert_true(match("*3*1", "python3.11"));
	assert_false(match("*3*2", "python3.11"));
	assert_true(match("a*b*c", "aXXbYYc"));
	assert_false(match("a*b*c", "aXXbYY"));
	assert_true(match("**", "x"));
	assert_false(match("", "x"));
	assert_true(match("", ""));
	assert_true(match("*/bin/*", "/usr/bin/make"));
}

static void test_question_and_sets(void **state)
{
	(void)state;
	assert_true(match("gc?", "gcc"));
	assert_false(match("gc?", "gc"));
	assert_true(match("[mb]ake", "make"));
	assert_true(match("[mb]ake", "bake"));
	assert_false(match("[mb]ake", "cake"));
	assert_true(match("[a-c]x", "bx"));
	assert_false(match("[a-c]x", "dx"));
	assert_true(match("[!a-c]x", "dx"));
	assert_true(match("[^a-c]x", "dx"));
	assert_false(match("[^a-c]x", "ax"));
	assert_true(match("[]]", "]"));
	assert_true(match("[!]]", "a"));
	assert_false(match("[!]]", "]"));
	assert_true(match("[a-]", "-"));
	assert_true(match("[", "["));   /* unclosed: a literal */
	assert_true(match("[ab", "[ab"));
	assert_true(match("\\*", "*"));
	assert_false(match("\\*", "x"));
	assert_true(match("[\\]]", "]"));
}

static void test_lists(void **state)
{
	(void)state;
	assert_true(hg_glob_list_match("make,bash", "/usr/bin/bash"));
	assert_true(hg_glob_list_match("make,bash", "/usr/bin/make"));
	assert_false(hg_glob_list_match("make,bash", "/usr/bin/python3"));
	/* no '/': the basename; with '/': the whole path */
	assert_false(hg_glob_list_match("usr*", "/usr/bin/make"));
	assert_true(hg_glob_list_match("/usr/*", "/usr/bin/make"));
	assert_false(hg_glob_list_match("/opt/*", "/usr/bin/make"));
	assert_false(hg_glob_list_match(",,", "/usr/bin/make"));
	assert_false(hg_glob_list_match("", "/usr/bin/make"));
	assert_true(hg_glob_list_match(",make,", "/usr/bin/make"));
	assert_false(hg_glob_list_match("make", ""));
	assert_true(hg_glob_list_match("*", ""));
}

/* Backtracking is bounded by pattern length times string length. */
static void test_hostile(void **state)
{
	(void)state;
	char pat[201], s[4001];
	for (int i = 0; i < 200; i++)
		pat[i] = i % 2 ? 'a' : '*';
	pat[200] = '\0';
	memset(s, 'a', 4000);
	s[4000] = '\0';
	assert_true(match(pat, s));
	s[3999] = 'b';
	assert_false(match(pat, s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_and_star),
		cmocka_unit_test(test_question_and_sets),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
