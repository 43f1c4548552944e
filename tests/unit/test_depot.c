/* SPDX-License-Identifier: MIT */
/* Unit tests of the stack depot (stack/depot.c): ids are stable and
 * deduplicated, frames come back as stored, live counts and statistics add
 * up, a forked child can store stacks, and a full depot refuses new stacks
 * without harm.  Frames of the test's own making go in through
 * hg_depot_put; one test captures real stacks.  Linked with the core
 * library, not preloaded: the process's own heap stays glibc's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/lib.h"
#include "../../stack/peak.h"
#include "../../stack/stack.h"

/* Frames no other test stores: each test draws from its own range. */
static uintptr_t next_frame = 0x100000;

static void fresh_stack(uintptr_t *pcs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pcs[i] = next_frame += 16;
}

static void assert_frames(uint32_t id, const uintptr_t *pcs, unsigned n)
{
	const uintptr_t *got;
	assert_int_equal(hg_stack_frames(id, &got), n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(got[i], pcs[i]);
}

/* Run first: a process that stores a few stacks maps the first pool block
 * (1 MiB, touched only as records fill it), a page or two of the id
 * index, and a hash table of 2 pages, not 32: the hash spreads its slots
 * over every page of it. */
static void test_few_stacks_map_a_small_table(void **state)
{
	(void)state;
	uintptr_t pcs[4];
	for (unsigned i = 0; i < 40; i++) {
		fresh_stack(pcs, 4);
		assert_int_not_equal(hg_depot_put(pcs, 4), 0);
	}
	struct hg_depot_stats st;
	hg_depot_stats(&st);
	assert_int_equal(st.stacks, 40);
	assert_true(st.bytes > ((size_t)1 << 20));
	assert_true(st.bytes < ((size_t)1 << 20) + 64 * 1024);
}

static void test_same_frames_get_the_same_id(void **state)
{
	(void)state;
	uintptr_t pcs[8];
	fresh_stack(pcs, 8);
	uint32_t id = hg_depot_put(pcs, 8);
	assert_int_not_equal(id, 0);
	uint32_t stored = hg_stack_count();
	assert_true(id <= stored);
	uintptr_t copy[8];
	for (unsigned i = 0; i < 8; i++)
		copy[i] = pcs[i];
	assert_int_equal(hg_depot_put(copy, 8), id);
	assert_int_equal(hg_stack_count(), stored); /* nothing new stored */
}

static void test_frames_come_back_as_stored(void **state)
{
	(void)state;
	uintptr_t pcs[HG_DEPTH_MAX];
	const unsigned depths[] = { 1, 2, 5, 16, HG_DEPTH_MAX };
	for (unsigned k = 0; k < sizeof(depths) / sizeof(depths[0]); k++) {
		fresh_stack(pcs, depths[k]);
		uint32_t id = hg_depot_put(pcs, depths[k]);
		assert_int_not_equal(id, 0);
		assert_frames(id, pcs, depths[k]);
	}
}

/* Stacks that differ in one frame, in depth or in order are different
 * stacks; thousands of them make the hash table grow, and every id
 * stays what it was. */
static void test_distinct_stacks_get_distinct_and_stable_ids(void **state)
{
	(void)state;
	uintptr_t base[4];
	fresh_stack(base, 4);
	uintptr_t other_frame[4] = { base[0], base[1], base[2], base[3] + 16 };
	uintptr_t swapped[4] = { base[1], base[0], base[2], base[3] };
	uint32_t ids[4] = { hg_depot_put(base, 4), hg_depot_put(other_frame, 4),
			    hg_depot_put(base, 3), hg_depot_put(swapped, 4) };
	for (unsigned i = 0; i < 4; i++) {
		assert_int_not_equal(ids[i], 0);
		for (unsigned j = 0; j < i; j++)
			assert_int_not_equal(ids[i], ids[j]);
	}
	assert_frames(ids[2], base, 3);
	assert_frames(ids[3], swapped, 4);

	enum { MANY = 40000 }; /* past 3/4 of the first two tables */
	static uintptr_t many[MANY][3];
	static uint32_t many_ids[MANY];
	for (unsigned i = 0; i < MANY; i++) {
		fresh_stack(many[i], 3);
		many_ids[i] = hg_depot_put(many[i], 3);
		assert_int_not_equal(many_ids[i], 0);
		if (i > 0)
			assert_int_equal(many_ids[i], many_ids[i - 1] + 1);
	}
	for (unsigned i = 0; i < MANY; i++) {
		assert_int_equal(hg_depot_put(many[i], 3), many_ids[i]);
		assert_frames(many_ids[i], many[i], 3);
	}
	assert_int_equal(hg_depot_put(base, 4), ids[0]);
}

static void test_no_stack_and_unknown_ids_have_no_frames(void **state)
{
	(void)state;
	const uintptr_t *pcs = NULL;
	assert_int_equal(hg_stack_frames(0, &pcs), 0);
	assert_int_equal(hg_stack_frames(hg_stack_count() + 1, &pcs), 0);
	assert_int_equal(hg_stack_frames(HG_STACK_INTERNAL, &pcs), 0);
	assert_null(pcs);
	uintptr_t frames[HG_DEPTH_MAX + 1];
	fresh_stack(frames, HG_DEPTH_MAX + 1);
	uint32_t before = hg_stack_count();
	assert_int_equal(hg_depot_put(frames, 0), 0);
	assert_int_equal(hg_depot_put(frames, HG_DEPTH_MAX + 1), 0);
	assert_int_equal(hg_stack_count(), before);
}

static void test_live_counts_add_up(void **state)
{
	(void)state;
	uintptr_t pcs[3];
	fresh_stack(pcs, 3);
	uint32_t id = hg_depot_put(pcs, 3);
	struct hg_stack_live live, none_before, none_after;
	hg_stack_live_get(id, &live);
	assert_int_equal(live.bytes, 0);
	assert_int_equal(live.blocks, 0);
	hg_stack_live_add(id, 100, 1);
	hg_stack_live_add(id, 40, 1);
	hg_stack_live_add(id, 100, 1);
	hg_stack_live_add(id, -100, -1);
	hg_stack_live_get(id, &live);
	assert_int_equal(live.bytes, 140);
	assert_int_equal(live.blocks, 2);
	/* Blocks with no stack are counted too; heapguard's own blocks and
	 * ids the depot never gave are not, and do no harm. */
	hg_stack_live_get(0, &none_before);
	hg_stack_live_add(0, 64, 1);
	hg_stack_live_add(HG_STACK_INTERNAL, 64, 1);
	hg_stack_live_add(hg_stack_count() + 1, 64, 1);
	hg_stack_live_get(0, &none_after);
	assert_int_equal(none_after.bytes, none_before.bytes + 64);
	assert_int_equal(none_after.blocks, none_before.blocks + 1);
	hg_stack_live_get(id, &live);
	assert_int_equal(live.bytes, 140);
	assert_int_equal(live.blocks, 2);
	/* The next id starts from nothing when it is given. */
	fresh_stack(pcs, 3);
	uint32_t next = hg_depot_put(pcs, 3);
	hg_stack_live_get(next, &live);
	assert_int_equal(live.bytes, 0);
	assert_int_equal(live.blocks, 0);
}

/* The peak names only sites whose counters agree: a batch that another
 * thread still holds, or one a fork child lost, can leave the shared
 * counters at bytes with no block, which the report's reader rightly
 * refuses ("peak site with 0 blocks"). */
static void test_peak_skips_sites_whose_counters_disagree(void **state)
{
	(void)state;
	uintptr_t pcs[3];
	fresh_stack(pcs, 3);
	uint32_t torn = hg_depot_put(pcs, 3);
	fresh_stack(pcs, 3);
	uint32_t whole = hg_depot_put(pcs, 3);
	hg_stack_live_add(torn, 5056, 0);
	hg_stack_live_add(whole, 4096, 2);
	/* Enough live bytes, flushed, for a recording. */
	hg_peak_block(whole, (ptrdiff_t)1 << 20);
	hg_peak_flush();
	struct hg_peak peak;
	hg_peak_get(&peak);
	assert_true(peak.nsites > 0);
	bool saw_whole = false;
	for (unsigned i = 0; i < peak.nsites; i++) {
		assert_int_not_equal(peak.sites[i].stack, torn);
		assert_true(peak.sites[i].blocks > 0);
		assert_true(peak.sites[i].bytes >= peak.sites[i].blocks);
		saw_whole |= peak.sites[i].stack == whole;
	}
	assert_true(saw_whole);
}

static void test_statistics_count_lookups_hits_and_stacks(void **state)
{
	(void)state;
	struct hg_depot_stats before, after;
	hg_depot_stats(&before);
	uintptr_t a[4], b[4];
	fresh_stack(a, 4);
	fresh_stack(b, 4);
	hg_depot_put(a, 4);
	hg_depot_put(b, 4);
	hg_depot_put(a, 4);
	hg_depot_put(a, 4);
	hg_depot_put(b, 4);
	hg_depot_stats(&after);
	assert_int_equal(after.stacks, before.stacks + 2);
	assert_int_equal(after.captures, before.captures + 5);
	assert_int_equal(after.hits, before.hits + 3);
	assert_int_equal(after.dropped, before.dropped);
	assert_true(after.bytes >= before.bytes && after.bytes > 0);
	assert_int_equal(after.stacks, hg_stack_count());
}

/* malloc's entry, as preload/api.c notes it: capture starts at the
 * program's frame, the return address into the caller. */
static __attribute__((noinline)) uint32_t capture_as_malloc(uintptr_t *ra)
{
	const uintptr_t *fp = __builtin_frame_address(0);
	*ra = (uintptr_t)__builtin_return_address(0);
	hg_self.entry_sp = (uintptr_t)(fp + 2);
	hg_self.entry_bp = fp[0];
	hg_self.entry_ra = *ra;
	uint32_t id = hg_stack_capture();
	hg_self.entry_ra = 0;
	return id;
}

static void test_capture_stores_the_callers_stack(void **state)
{
	(void)state;
	if (!hg_stack_ready)
		skip(); /* level=fast in the environment, or no libunwind */
	uintptr_t ra1, ra2, ra_loop[3];
	uint32_t first = capture_as_malloc(&ra1);
	uint32_t second = capture_as_malloc(&ra2);
	uint32_t loop[3];
	static volatile unsigned rounds = 3; /* one call site: not unrolled */
	for (unsigned i = 0; i < rounds; i++)
		loop[i] = capture_as_malloc(&ra_loop[i]);
	assert_int_equal(ra_loop[1], ra_loop[0]);
	assert_int_not_equal(first, 0);
	assert_int_not_equal(second, 0);
	assert_int_not_equal(first, second);
	assert_int_equal(loop[1], loop[0]);
	assert_int_equal(loop[2], loop[0]);
	const uintptr_t *pcs;
	assert_true(hg_stack_frames(first, &pcs) >= 2); /* here and the test runner */
	assert_int_equal(pcs[0], ra1);
	unsigned n = hg_stack_frames(second, &pcs);
	assert_int_equal(pcs[0], ra2);
	/* Above this function, the two stacks are the same. */
	const uintptr_t *pcs1;
	assert_int_equal(hg_stack_frames(first, &pcs1), n);
	for (unsigned i = 1; i < n; i++)
		assert_int_equal(pcs[i], pcs1[i]);
}

/* In a forked child, cmocka's assertions would go on with the test run
 * there: a child reports by its exit status. */
#define CHILD_CHECK(cond)                                                                 \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "child: %s failed (line %d)\n", #cond, __LINE__); \
			_exit(1);                                                         \
		}                                                                         \
	} while (0)

static void wait_child_ok(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* fork() runs the handlers lib/ registered (preload/'s, which take the
 * depot's lock before it): the child must be able to insert.  A child
 * left with the lock held would hang: alarm() ends it. */
static void test_fork_child_can_store_stacks(void **state)
{
	(void)state;
	uintptr_t known[3], in_child[3], in_parent[3];
	fresh_stack(known, 3);
	fresh_stack(in_child, 3);
	fresh_stack(in_parent, 3);
	uint32_t id = hg_depot_put(known, 3);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(2);
		CHILD_CHECK(hg_depot_put(known, 3) == id);
		uint32_t fresh = hg_depot_put(in_child, 3);
		CHILD_CHECK(fresh != 0 && fresh != id);
		const uintptr_t *pcs;
		CHILD_CHECK(hg_stack_frames(fresh, &pcs) == 3 && pcs[2] == in_child[2]);
		_exit(0);
	}
	wait_child_ok(pid);
	alarm(2);
	uint32_t here = hg_depot_put(in_parent, 3);
	alarm(0);
	assert_int_not_equal(here, 0);
	assert_frames(here, in_parent, 3);
}

/* Filled to HG_STACK_IDS_MAX (in a child: about 100 MB of depot), the
 * depot refuses new stacks with id 0 and counts them, and still finds,
 * resolves and counts what it holds. */
static void test_full_depot_refuses_new_stacks_and_counts_them(void **state)
{
	(void)state;
	uintptr_t kept[2];
	fresh_stack(kept, 2);
	uint32_t kept_id = hg_depot_put(kept, 2);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);
		struct hg_depot_stats s0, s1;
		hg_depot_stats(&s0);
		uintptr_t frame[1] = { (uintptr_t)1 << 40 };
		uint32_t id, last = 0;
		while ((id = hg_depot_put(frame, 1)) != 0) {
			CHILD_CHECK(id == last + 1 || last == 0);
			last = id;
			frame[0] += 16;
		}
		CHILD_CHECK(last == HG_STACK_IDS_MAX);
		CHILD_CHECK(hg_stack_count() == HG_STACK_IDS_MAX);
		hg_depot_stats(&s1);
		CHILD_CHECK(s1.dropped == s0.dropped + 1);
		for (unsigned i = 0; i < 5; i++) {
			frame[0] += 16;
			CHILD_CHECK(hg_depot_put(frame, 1) == 0);
		}
		CHILD_CHECK(hg_depot_put(kept, 2) == kept_id);
		const uintptr_t *pcs;
		CHILD_CHECK(hg_stack_frames(last, &pcs) == 1 && pcs[0] == frame[0] - 6 * 16);
		CHILD_CHECK(hg_stack_frames(last + 1, &pcs) == 0);
		hg_stack_live_add(last, 32, 1);
		struct hg_stack_live live;
		hg_stack_live_get(last, &live);
		CHILD_CHECK(live.bytes == 32 && live.blocks == 1);
		hg_depot_stats(&s1);
		CHILD_CHECK(s1.dropped == s0.dropped + 6);
		CHILD_CHECK(s1.stacks == HG_STACK_IDS_MAX);
		_exit(0);
	}
	wait_child_ok(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_few_stacks_map_a_small_table),
		cmocka_unit_test(test_same_frames_get_the_same_id),
		cmocka_unit_test(test_frames_come_back_as_stored),
		cmocka_unit_test(test_distinct_stacks_get_distinct_and_stable_ids),
		cmocka_unit_test(test_no_stack_and_unknown_ids_have_no_frames),
		cmocka_unit_test(test_live_counts_add_up),
		cmocka_unit_test(test_peak_skips_sites_whose_counters_disagree),
		cmocka_unit_test(test_statistics_count_lookups_hits_and_stacks),
		cmocka_unit_test(test_capture_stores_the_callers_stack),
		cmocka_unit_test(test_fork_child_can_store_stacks),
		cmocka_unit_test(test_full_depot_refuses_new_stacks_and_counts_them),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	/* Not exit(): the core's exit handlers would write leak and
	 * fragmentation reports, which are not what this program tests. */
	fflush(NULL);
	_exit(failed != 0);
}
