/* SPDX-License-Identifier: MIT */
/* Unit tests of mallopt (hg_mallopt, lib/stats.c; preload/ exports it): each M_* parameter reaches the
 * allocator's run-time parameters with glibc 2.36's rules and return values.
 * Linked with the core library, not preloaded: the process's own heap stays
 * glibc's, and only heapguard's mallopt is exercised. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <malloc.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/internal.h"

static void test_mxfast_sets_largest_fastbin_chunk(void **state)
{
	(void)state;
	assert_int_equal(hg_mallopt(M_MXFAST, 64), 1);
	assert_int_equal(hg_mp.max_fast, 64); /* (64 + 8) & ~15, as glibc */
	assert_int_equal(hg_mallopt(M_MXFAST, 160), 1);
	assert_int_equal(hg_mp.max_fast, 160);
	assert_int_equal(hg_mallopt(M_MXFAST, 0), 1);
	assert_true(hg_mp.max_fast < HG_MINSIZE); /* no chunk is that small */
	assert_int_equal(hg_mallopt(M_MXFAST, 161), 0);
	assert_int_equal(hg_mallopt(M_MXFAST, -1), 0);
	assert_true(hg_mp.max_fast < HG_MINSIZE); /* unchanged by rejects */
	assert_int_equal(hg_mallopt(M_MXFAST, 128), 1);
}

static void test_thresholds_disable_dynamic_threshold(void **state)
{
	(void)state;
	assert_false(hg_mp.no_dyn_threshold);
	assert_int_equal(hg_mallopt(M_MMAP_THRESHOLD, 256 * 1024), 1);
	assert_int_equal(hg_mp.mmap_threshold, 256 * 1024);
	assert_true(hg_mp.no_dyn_threshold);
	assert_int_equal(hg_mallopt(M_MMAP_THRESHOLD, 64 << 20), 1); /* glibc 2.36: no bound */
	assert_int_equal(hg_mp.mmap_threshold, (size_t)64 << 20);
	assert_int_equal(hg_mallopt(M_TRIM_THRESHOLD, 1 << 20), 1);
	assert_int_equal(hg_mp.trim_threshold, 1 << 20);
	assert_int_equal(hg_mallopt(M_TOP_PAD, 4096), 1);
	assert_int_equal(hg_mp.top_pad, 4096);
	assert_int_equal(hg_mallopt(M_MMAP_MAX, 5), 1);
	assert_int_equal(hg_mp.mmap_max, 5);
	assert_int_equal(hg_mallopt(M_MMAP_MAX, -1), 1); /* negative: no mappings */
	assert_int_equal(hg_mp.mmap_max, 0);
}

static void test_perturb_and_arenas(void **state)
{
	(void)state;
	assert_int_equal(hg_mallopt(M_PERTURB, 0xa5), 1);
	assert_int_equal(hg_mp.perturb, 0xa5);
	assert_int_equal(hg_mallopt(M_PERTURB, 0), 1);
	assert_int_equal(hg_mp.perturb, 0);
	assert_int_equal(hg_mallopt(M_ARENA_MAX, 3), 1);
	assert_int_equal(hg_mp.arena_max, 3);
	assert_int_equal(hg_mallopt(M_ARENA_MAX, 0), 1); /* accepted, ignored */
	assert_int_equal(hg_mp.arena_max, 3);
	assert_int_equal(hg_mallopt(M_ARENA_TEST, 2), 1);
	assert_int_equal(hg_mp.arena_test, 2);
	assert_int_equal(hg_mallopt(M_ARENA_TEST, -5), 1);
	assert_int_equal(hg_mp.arena_test, 2);
}

static void test_unknown_and_check_action_are_accepted(void **state)
{
	(void)state;
	assert_int_equal(hg_mallopt(M_CHECK_ACTION, 1), 1);
	assert_int_equal(hg_mallopt(12345, 1), 1);
	assert_int_equal(hg_config.params.source[HG_PARAM_PERTURB], HG_SOURCE_MALLOPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mxfast_sets_largest_fastbin_chunk),
		cmocka_unit_test(test_thresholds_disable_dynamic_threshold),
		cmocka_unit_test(test_perturb_and_arenas),
		cmocka_unit_test(test_unknown_and_check_action_are_accepted),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	/* Not exit(): the core's exit handlers would write leak and
	 * fragmentation reports of this process into the build tree. */
	fflush(NULL);
	_exit(failed != 0);
}
