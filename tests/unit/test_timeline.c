/* SPDX-License-Identifier: MIT */
/* Unit tests of the timeline (report/timeline.c), linked alone with a
 * clock and heap figures of the test's own: a sample at the first poll,
 * none before the step has passed, at most 1000 kept however long the run,
 * every other one dropped and the step doubled when they run out, the
 * samples spread over the whole run, the report's moment appended, the
 * figures kept within the system bytes, in use unknown at level=fast, and
 * a fork child's first sample not before a step after the fork. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../base/options.h"
#include "../../guard/quarantine.h"
#include "../../lib/usage.h"
#include "../../report/timeline.h"

/* What timeline.c reads, faked. */
bool hg_ready = true;
struct hg_config hg_config;
static uint64_t clock_us, fork_us;
static struct hg_usage usage;
static size_t quarantine_bytes, rss;

uint64_t hg_usage_uptime_us(void)
{
	return clock_us;
}

uint64_t hg_usage_fork_uptime_us(void)
{
	return fork_us;
}

void hg_usage_get(struct hg_usage *u)
{
	*u = usage;
}

size_t hg_quarantine_bytes(void)
{
	return quarantine_bytes;
}

size_t hg_os_rss(void)
{
	return rss;
}

static struct hg_timeline_sample got[HG_FRAG_TIMELINE_MAX];

/* Run from clock_us to until, polling every step_us; the heap grows. */
static void run_until(uint64_t until, uint64_t step_us)
{
	for (; clock_us < until; clock_us += step_us) {
		usage.system = clock_us * 16;
		usage.live = clock_us * 8;
		hg_timeline_poll();
	}
}

static void test_timeline(void **state)
{
	(void)state;
	hg_config.options.level = 1;
	rss = 1 << 20;
	/* The first poll samples; the next ones not before a step (1 ms). */
	clock_us = 5;
	run_until(6, 1);
	run_until(1004, 100); /* polls at 6, 106, .. 906 */
	size_t n = hg_timeline_get(got);
	assert_int_equal(n, 2); /* the first, and the report's moment */
	assert_int_equal(got[0].t_us, 5);
	assert_int_equal(got[1].t_us, 1006);
	run_until(1007, 1); /* 1006: a step after the first */
	assert_int_equal(hg_timeline_get(got), 3);
	assert_int_equal(got[1].t_us, 1006);
	assert_int_equal(got[2].t_us, 1007);
	assert_true(got[1].has_in_use);
	assert_int_equal(got[1].system, 1006 * 16);
	assert_int_equal(got[1].in_use, 1006 * 8);
	assert_int_equal(got[1].resident, 1 << 20);

	/* Ten seconds of polls every 100 us: 10,000 samples were due. */
	run_until(10000000, 100);
	n = hg_timeline_get(got);
	assert_true(n <= HG_FRAG_TIMELINE_MAX);
	assert_true(n >= HG_FRAG_TIMELINE_MAX / 2);
	assert_int_equal(got[0].t_us, 5);
	assert_int_equal(got[n - 1].t_us, clock_us);
	/* 1 ms doubled four times: 16 ms apart at least once thinned
	 * that far, and spread over the whole run (no gap of more than
	 * twice the last step). */
	uint64_t least = UINT64_MAX, most = 0;
	for (size_t i = 1; i + 1 < n; i++) {
		uint64_t gap = got[i].t_us - got[i - 1].t_us;
		least = gap < least ? gap : least;
		most = gap > most ? gap : most;
		assert_true(got[i].t_us > got[i - 1].t_us);
	}
	assert_true(least >= 8000);
	assert_true(most <= 2 * 16000 + 100);

	/* The parts stay within the whole: live bytes batched past the
	 * system's, the quarantine read racily. */
	usage.system = 1000;
	usage.live = 1200;
	quarantine_bytes = 50;
	n = hg_timeline_get(got);
	assert_int_equal(got[n - 1].in_use, 1000);
	assert_int_equal(got[n - 1].quarantine, 0);
	usage.live = 900;
	n = hg_timeline_get(got);
	assert_int_equal(got[n - 1].in_use, 900);
	assert_int_equal(got[n - 1].quarantine, 50);
	/* At level=fast nothing counts the live bytes. */
	hg_config.options.level = 0;
	n = hg_timeline_get(got);
	assert_false(got[n - 1].has_in_use);
	assert_int_equal(got[n - 1].quarantine, 0);
}

/* A fork child whose parent's next sample is long due: its first heap
 * change comes right after the fork and takes no sample (and reads no
 * /proc/self/statm); a poll a step later does. */
static void test_fork_child_samples_a_step_after_the_fork(void **state)
{
	(void)state;
	hg_config.options.level = 1;
	clock_us += 100 * 1000000; /* 100 s without a heap change */
	fork_us = clock_us;
	size_t before = hg_timeline_get(got) - 1; /* without the moment's */
	hg_timeline_fork_child(false);
	clock_us += 10;
	usage.system += 4096;
	hg_timeline_poll();
	assert_int_equal(hg_timeline_get(got) - 1, before);
	/* The step has doubled with thinning: 64 ms is past any it reached. */
	clock_us = fork_us + 64000;
	hg_timeline_poll();
	size_t n = hg_timeline_get(got) - 1;
	assert_true(n == before + 1 || n <= HG_FRAG_TIMELINE_MAX / 2 + 1); /* or thinned */
	assert_int_equal(got[n - 1].t_us, fork_us + 64000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_fork_child_samples_a_step_after_the_fork),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
