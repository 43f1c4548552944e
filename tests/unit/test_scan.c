/* SPDX-License-Identifier: MIT */
/* Unit tests of the leak marking (report/scan.c) on synthetic heaps: blocks
 * in a mapping of the test's own, roots given as ranges
 * (hg_scan_classify_from), so that no stray copy of an address in the
 * process can make a block reachable.  Reachable, indirect and lost as
 * Valgrind's memcheck counts still reachable, indirectly and definitely
 * lost, except that an interior pointer counts as a reference (memcheck
 * would say "possibly lost"; LeakSanitizer counts it, as here). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../report/scan.h"

#define MAX_BLOCKS 200000
#define SPACING	   64 /* bytes between block starts */
#define REQUESTED  48

static unsigned char *blocks; /* MAX_BLOCKS * SPACING bytes */
static struct hg_live *live;  /* sorted by user, as the scan wants */
static size_t nblocks;
static uintptr_t roots[16];

static int map_blocks(void **state)
{
	(void)state;
	blocks = mmap(NULL, (size_t)MAX_BLOCKS * SPACING, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	live = mmap(NULL, MAX_BLOCKS * sizeof(*live), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return blocks == MAP_FAILED || live == MAP_FAILED ? -1 : 0;
}

static int unmap_blocks(void **state)
{
	(void)state;
	munmap(blocks, (size_t)MAX_BLOCKS * SPACING);
	munmap(live, MAX_BLOCKS * sizeof(*live));
	return 0;
}

/* n blocks of REQUESTED bytes, all zero; no root points anywhere. */
static void new_heap(size_t n)
{
	assert_true(n <= MAX_BLOCKS);
	memset(blocks, 0, n * SPACING);
	memset(roots, 0, sizeof(roots));
	for (size_t i = 0; i < n; i++) {
		live[i] = (struct hg_live){ 0 };
		live[i].user = (uintptr_t)(blocks + i * SPACING);
		live[i].requested = REQUESTED;
		live[i].kind = 0xff;
	}
	nblocks = n;
}

static uintptr_t addr(size_t i)
{
	return live[i].user;
}

/* Word w of block `from` holds the address of block `to` (plus offset). */
static void point(size_t from, unsigned w, size_t to, size_t offset)
{
	((uintptr_t *)addr(from))[w] = addr(to) + offset;
}

static struct hg_scan_stats stats;

static void classify_with(const struct hg_range *exclude, size_t nexclude)
{
	struct hg_scan_input in = { 0 };
	in.chunks = live;
	in.count = nblocks;
	in.exclude = exclude;
	in.nexclude = nexclude;
	const struct hg_range root = { (uintptr_t)roots, (uintptr_t)(roots + 16) };
	assert_true(hg_scan_classify_from(&in, &root, 1, &stats));
}

static void classify(void)
{
	classify_with(NULL, 0);
}

static void assert_kind(size_t i, enum hg_leak_kind kind)
{
	if (live[i].kind != kind)
		fail_msg("block %zu is %u, not %u", i, live[i].kind, kind);
}

static void test_block_pointed_to_by_a_root_is_reachable(void **state)
{
	(void)state;
	new_heap(4);
	roots[3] = addr(1);
	point(1, 2, 2, 0); /* and what it points to, transitively */
	point(2, 0, 3, 0);
	classify();
	assert_kind(0, HG_LOST);
	assert_kind(1, HG_REACHABLE);
	assert_kind(2, HG_REACHABLE);
	assert_kind(3, HG_REACHABLE);
	assert_int_equal(stats.roots_bytes, sizeof(roots));
}

static void test_block_pointed_to_only_by_a_lost_block_is_indirect(void **state)
{
	(void)state;
	new_heap(5);
	point(1, 0, 3, 0); /* 1 -> 3 -> 4, and 2 -> 3 */
	point(3, 5, 4, 0);
	point(2, 1, 3, 0);
	classify();
	assert_kind(0, HG_LOST);
	assert_kind(1, HG_LOST);
	assert_kind(2, HG_LOST);
	assert_kind(3, HG_INDIRECT);
	assert_kind(4, HG_INDIRECT);
}

/* Whatever order the blocks lie in: a lost block below the one it points
 * to, or above it, makes it indirect. */
static void test_indirect_does_not_depend_on_address_order(void **state)
{
	(void)state;
	new_heap(4);
	point(3, 0, 0, 0); /* 3 -> 0: the pointee first in address order */
	point(1, 0, 2, 0); /* 1 -> 2: the pointee after */
	classify();
	assert_kind(0, HG_INDIRECT);
	assert_kind(1, HG_LOST);
	assert_kind(2, HG_INDIRECT);
	assert_kind(3, HG_LOST);
}

/* A cycle no root reaches: one block of it is lost (the first in address
 * order) and the others indirect, as memcheck counts a leaked cycle (one
 * "definitely", the rest "indirectly" lost). */
static void test_unreachable_cycle_is_one_lost_block_and_indirect_ones(void **state)
{
	(void)state;
	new_heap(6);
	point(1, 0, 4, 0); /* 1 -> 4 -> 2 -> 1 */
	point(4, 0, 2, 0);
	point(2, 0, 1, 0);
	point(3, 1, 5, 0); /* 3 <-> 5 */
	point(5, 2, 3, 0);
	classify();
	assert_kind(0, HG_LOST);
	assert_kind(1, HG_LOST);
	assert_kind(2, HG_INDIRECT);
	assert_kind(4, HG_INDIRECT);
	assert_kind(3, HG_LOST);
	assert_kind(5, HG_INDIRECT);
}

static void test_cycle_reached_from_a_root_is_reachable(void **state)
{
	(void)state;
	new_heap(3);
	point(0, 0, 1, 0);
	point(1, 0, 2, 0);
	point(2, 0, 0, 0);
	roots[0] = addr(2);
	classify();
	for (size_t i = 0; i < 3; i++)
		assert_kind(i, HG_REACHABLE);
}

/* A pointer anywhere into [user, user + requested) refers to the block;
 * one to its end or to its header does not.  A 0-byte block is referred
 * to by its own address. */
static void test_interior_pointers_count_and_the_end_does_not(void **state)
{
	(void)state;
	new_heap(6);
	live[5].requested = 0;
	roots[0] = addr(0) + 1;
	roots[1] = addr(1) + REQUESTED - 1;
	roots[2] = addr(2) + REQUESTED; /* one past the end */
	roots[3] = addr(3) - 16;	/* its header */
	roots[4] = addr(5);
	point(0, 0, 4, 24); /* inside, from a block */
	classify();
	assert_kind(0, HG_REACHABLE);
	assert_kind(1, HG_REACHABLE);
	assert_kind(2, HG_LOST);
	assert_kind(3, HG_LOST);
	assert_kind(4, HG_REACHABLE);
	assert_kind(5, HG_REACHABLE);
}

/* Words past a block's request (its canary and slack) hold no references. */
static void test_words_past_the_request_are_not_scanned(void **state)
{
	(void)state;
	new_heap(3);
	roots[0] = addr(0);
	point(0, REQUESTED / sizeof(uintptr_t), 1, 0);
	point(0, REQUESTED / sizeof(uintptr_t) - 1, 2, 0);
	classify();
	assert_kind(0, HG_REACHABLE);
	assert_kind(1, HG_LOST);
	assert_kind(2, HG_REACHABLE);
}

/* Excluded ranges inside a root (heapguard's own memory) are not read. */
static void test_excluded_ranges_are_not_roots(void **state)
{
	(void)state;
	new_heap(3);
	roots[4] = addr(0);
	roots[9] = addr(1);
	roots[12] = addr(2);
	const struct hg_range exclude[2] = {
		{ (uintptr_t)&roots[8], (uintptr_t)&roots[10] },
		{ (uintptr_t)&roots[2], (uintptr_t)&roots[5] },
	};
	classify_with(exclude, 2);
	assert_kind(0, HG_LOST);
	assert_kind(1, HG_LOST);
	assert_kind(2, HG_REACHABLE);
	assert_int_equal(stats.roots_bytes, sizeof(roots) - 5 * sizeof(uintptr_t));
}

static void test_empty_heap_and_no_roots(void **state)
{
	(void)state;
	struct hg_scan_input in = { 0 };
	assert_true(hg_scan_classify_from(&in, NULL, 0, &stats));
	assert_int_equal(stats.roots_bytes, 0);
	new_heap(2);
	point(0, 0, 1, 0);
	in.chunks = live;
	in.count = nblocks;
	assert_true(hg_scan_classify_from(&in, NULL, 0, &stats));
	assert_kind(0, HG_LOST);
	assert_kind(1, HG_INDIRECT);
}

/* A block that points to 50000 others, each of which points to one more:
 * the 50000 wait on the mark stack at once, and each is scanned. */
static void test_wide_fan_out_is_marked_whole(void **state)
{
	(void)state;
	const size_t n = 50000, table = 2 * n;
	new_heap(table + 1);
	live[table].requested = n * sizeof(uintptr_t);
	assert_true(live[table].user + live[table].requested <=
		    (uintptr_t)blocks + MAX_BLOCKS * SPACING);
	memset((void *)live[table].user, 0, live[table].requested);
	for (size_t i = 0; i < n; i++) {
		point(table, (unsigned)i, i, 8);
		point(i, 1, n + i, 0);
	}
	roots[7] = addr(table);
	classify();
	for (size_t i = 0; i <= table; i++)
		assert_int_equal(live[i].kind, HG_REACHABLE);
}

/* A list of MAX_BLOCKS: marked without recursion, reachable from its head
 * in a root, or lost at its head and indirect behind it. */
static void test_long_list_is_marked_whole(void **state)
{
	(void)state;
	new_heap(MAX_BLOCKS);
	for (size_t i = 0; i + 1 < MAX_BLOCKS; i++)
		point(i, 0, i + 1, 0);
	roots[0] = addr(0);
	classify();
	for (size_t i = 0; i < MAX_BLOCKS; i++)
		assert_int_equal(live[i].kind, HG_REACHABLE);
	roots[0] = 0;
	classify();
	assert_kind(0, HG_LOST);
	for (size_t i = 1; i < MAX_BLOCKS; i++)
		assert_int_equal(live[i].kind, HG_INDIRECT);
}

/* Blocks far apart in an untouched reservation, as mmap'd chunks lie
 * among other mappings: the scan's index of the regions that hold blocks
 * must find a block from a word in any of its regions (a pointer deep
 * into a big one, into the second region of one that straddles two), a
 * 0-byte block from its address, and nothing from a word in a gap. */
static void blocks_far_apart(size_t big)
{
	const size_t mib = (size_t)1 << 20, span = 640 * mib;
	unsigned char *far = mmap(NULL, span + 65536, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(far != MAP_FAILED);
	uintptr_t base = ((uintptr_t)far + 65535) & ~(uintptr_t)65535;
	new_heap(0);
	const struct hg_live layout[] = {
		{ .user = base + 16, .requested = 16 },		     /* 0: lost */
		{ .user = base + 64 * mib, .requested = big },	     /* 1: big */
		{ .user = base + 512 * mib + 112, .requested = 0 },  /* 2: 0 bytes */
		{ .user = base + 513 * mib - 16, .requested = 48 },  /* 3: straddles */
	};
	for (size_t i = 0; i < 4; i++)
		live[i] = layout[i];
	nblocks = 4;
	roots[0] = addr(1) + big - 8;
	roots[1] = addr(3) + 40;
	roots[2] = addr(2);
	roots[3] = base + 400 * mib; /* in the gap */
	roots[4] = addr(0) + 16;     /* one past its end */
	roots[5] = addr(3) - 8;
	classify();
	assert_kind(0, HG_LOST);
	assert_kind(1, HG_REACHABLE);
	assert_kind(2, HG_REACHABLE);
	assert_kind(3, HG_REACHABLE);
	/* Four blocks: at most the index's slack of regions (16,384), in a
	 * table at most half full, whatever the size of the big one. */
	assert_in_range(stats.index_bytes, 1, 2 * 16384 * 2 * 16);
	roots[0] = roots[1] = roots[2] = 0;
	classify();
	for (size_t i = 0; i < 4; i++)
		assert_kind(i, HG_LOST);
	munmap(far, span + 65536);
}

static void test_blocks_far_apart_are_found_from_any_of_their_bytes(void **state)
{
	(void)state;
	blocks_far_apart((size_t)1 << 20);
}

/* The big block spans more 4 KiB regions than there are blocks (plus the
 * index's slack): the index takes larger regions, stays small, and still
 * finds every block. */
static void test_a_block_of_300_mib_is_found_from_its_last_word(void **state)
{
	(void)state;
	blocks_far_apart((size_t)300 << 20);
}

/* Scratch memory: the pieces of a scan come one after the other from one
 * mapping, each zero, never handed out twice, and the mapping goes with
 * its last piece; a piece too large for it gets its own. */
static void test_scratch_pieces_share_one_mapping_and_are_zero(void **state)
{
	(void)state;
	static const size_t sizes[] = { 36901, 51264, 1, 206622, 1024, 100000 };
	unsigned char *p[6];
	for (size_t i = 0; i < 6; i++) {
		p[i] = hg_scan_map(sizes[i]);
		assert_non_null(p[i]);
		for (size_t b = 0; b < sizes[i]; b++)
			if (p[i][b] != 0)
				fail_msg("piece %zu byte %zu is %u", i, b, p[i][b]);
		memset(p[i], 0xa5, sizes[i]);
		if (i > 0)
			assert_ptr_equal(p[i], p[i - 1] + ((sizes[i - 1] + 63) & ~(size_t)63));
		/* Given back, a piece's room is not handed out again. */
		if (i == 4) {
			hg_scan_unmap(p[3], sizes[3]);
			hg_scan_unmap(p[4], sizes[4]);
		}
	}
	/* Too large to share: a mapping of its own, outside the shared one. */
	unsigned char *big = hg_scan_map((size_t)4 << 20);
	assert_non_null(big);
	assert_true(big + ((size_t)4 << 20) <= p[0] || big >= p[0] + ((size_t)2 << 20));
	hg_scan_unmap(big, (size_t)4 << 20);
	for (size_t i = 0; i < 6; i++)
		if (i != 3 && i != 4)
			hg_scan_unmap(p[i], sizes[i]);
	/* All back: the shared mapping is gone. */
	unsigned char vec;
	assert_int_equal(mincore((void *)((uintptr_t)p[0] & ~(uintptr_t)4095), 1, &vec), -1);
}

/* A file's buffer, read and done with: given back as the last piece with
 * the bytes it used, its room is the next piece's, zero again; a piece
 * that is not the last keeps its room for good. */
static void test_last_piece_given_back_used_is_handed_out_again_zero(void **state)
{
	(void)state;
	unsigned char *first = hg_scan_map(1000);
	unsigned char *buf = hg_scan_map(300000);
	memset(buf, 0x5a, 5000);
	hg_scan_unmap_used(buf, 300000, 5000);
	unsigned char *next = hg_scan_map(2000);
	assert_ptr_equal(next, buf);
	for (size_t b = 0; b < 2000; b++)
		if (next[b] != 0)
			fail_msg("byte %zu of the piece handed out again is %u", b, next[b]);
	unsigned char *after = hg_scan_map(100);
	memset(next, 1, 2000);
	hg_scan_unmap_used(next, 2000, 2000); /* not the last one: room kept */
	unsigned char *later = hg_scan_map(100);
	assert_ptr_equal(later, after + 128);
	hg_scan_unmap(later, 100);
	hg_scan_unmap(after, 100);
	hg_scan_unmap(first, 1000);
	unsigned char vec;
	assert_int_equal(mincore((void *)((uintptr_t)first & ~(uintptr_t)4095), 1, &vec), -1);
}

/* Transparent huge pages for every mapping: one page is the whole scratch. */
static bool thp_always(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f == NULL)
		return false;
	bool always = fgets(buf, sizeof(buf), f) != NULL && strstr(buf, "[always]") != NULL;
	fclose(f);
	return always;
}

/* A scan with no other thread paused writes few pages of its scratch:
 * each page first written is a page fault (a fork child's exit scans, in
 * every subshell).  Its parts sized for HG_STOP_MAX threads, with the
 * windows and the dead stacks' room between them, it wrote five pages of
 * its own piece. */
static void test_a_scan_of_one_thread_writes_at_most_three_pages_of_scratch(void **state)
{
	(void)state;
	if (thp_always()) {
		print_message("transparent huge pages always: the page count says nothing\n");
		return;
	}
	new_heap(40);
	for (size_t i = 0; i + 1 < 40; i++)
		point(i, 0, i + 1, 0);
	roots[0] = addr(0);
	unsigned char *keep = hg_scan_map(1); /* the scratch stays mapped */
	classify();
	uintptr_t base = (uintptr_t)keep & ~(uintptr_t)4095;
	unsigned pages = 0;
	for (size_t i = 0; i < 512; i++) { /* to the scratch mapping's end */
		unsigned char vec;
		if (mincore((void *)(base + i * 4096), 4096, &vec) != 0)
			break;
		pages += vec & 1;
	}
	hg_scan_unmap(keep, 1);
	for (size_t i = 0; i < 40; i++)
		assert_kind(i, HG_REACHABLE);
	if (pages > 3)
		fail_msg("the scan wrote %u pages of scratch, more than 3", pages);
}

static unsigned char *other_piece;

static void *map_in_other_thread(void *arg)
{
	(void)arg;
	other_piece = hg_scan_map(4096);
	memset(other_piece, 1, 4096);
	return NULL;
}

/* The shared mapping serves one thread at a time: a report written by
 * another thread while a scan holds pieces gets mappings of its own. */
static void test_scratch_serves_one_thread_at_a_time(void **state)
{
	(void)state;
	unsigned char *mine = hg_scan_map(1000);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, map_in_other_thread, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_non_null(other_piece);
	assert_true(other_piece + 4096 <= mine || other_piece >= mine + ((size_t)2 << 20));
	unsigned char *next = hg_scan_map(1000);
	assert_ptr_equal(next, mine + 1024);
	hg_scan_unmap(other_piece, 4096);
	hg_scan_unmap(next, 1000);
	hg_scan_unmap(mine, 1000);
	unsigned char vec;
	assert_int_equal(mincore((void *)((uintptr_t)mine & ~(uintptr_t)4095), 1, &vec), -1);
}

static void *wait_for_release(void *arg)
{
	volatile int *release = arg;
	while (!__atomic_load_n(release, __ATOMIC_ACQUIRE))
		usleep(1000);
	return NULL;
}

/* Pausing the other threads keeps a table for good: it has a mapping of
 * its own, and a scan's mapping still goes with its last piece. */
static void test_scratch_goes_after_a_world_stop(void **state)
{
	(void)state;
	volatile int release = 0;
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, wait_for_release, (void *)&release), 0);
	struct hg_world w;
	hg_world_stop(&w);
	unsigned char *piece = hg_scan_map(1000);
	assert_non_null(piece);
	hg_world_resume(&w);
	assert_int_equal(w.threads, 1);
	hg_scan_unmap(piece, 1000);
	unsigned char vec;
	assert_int_equal(mincore((void *)((uintptr_t)piece & ~(uintptr_t)4095), 1, &vec), -1);
	__atomic_store_n(&release, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(t, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_pointed_to_by_a_root_is_reachable),
		cmocka_unit_test(test_block_pointed_to_only_by_a_lost_block_is_indirect),
		cmocka_unit_test(test_indirect_does_not_depend_on_address_order),
		cmocka_unit_test(test_unreachable_cycle_is_one_lost_block_and_indirect_ones),
		cmocka_unit_test(test_cycle_reached_from_a_root_is_reachable),
		cmocka_unit_test(test_interior_pointers_count_and_the_end_does_not),
		cmocka_unit_test(test_words_past_the_request_are_not_scanned),
		cmocka_unit_test(test_excluded_ranges_are_not_roots),
		cmocka_unit_test(test_empty_heap_and_no_roots),
		cmocka_unit_test(test_wide_fan_out_is_marked_whole),
		cmocka_unit_test(test_long_list_is_marked_whole),
		cmocka_unit_test(test_blocks_far_apart_are_found_from_any_of_their_bytes),
		cmocka_unit_test(test_a_block_of_300_mib_is_found_from_its_last_word),
		cmocka_unit_test(test_scratch_pieces_share_one_mapping_and_are_zero),
		cmocka_unit_test(test_last_piece_given_back_used_is_handed_out_again_zero),
		cmocka_unit_test(test_a_scan_of_one_thread_writes_at_most_three_pages_of_scratch),
		cmocka_unit_test(test_scratch_serves_one_thread_at_a_time),
		cmocka_unit_test(test_scratch_goes_after_a_world_stop),
	};
	int failed = cmocka_run_group_tests(tests, map_blocks, unmap_blocks);
	/* Not exit(): the core's exit handlers would write leak and
	 * fragmentation reports, which are not what this program tests. */
	fflush(NULL);
	_exit(failed != 0);
}
