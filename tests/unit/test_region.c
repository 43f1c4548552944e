/* SPDX-License-Identifier: MIT */
/* Unit tests of the table of mmap'd chunks (lib/region.c): it finds what
 * was added and not removed, visits exactly those, starts at one page,
 * grows with what it holds, and does not grow with what came and went
 * (every exit walks all of it).  The chunks are addresses only: the table
 * never reads them.  Linked with the core library, not preloaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/lib.h"
#include "../../lib/region.h"

/* Far from anything this process maps: never a real chunk. */
static const struct hg_chunk *fake(size_t i)
{
	return (const struct hg_chunk *)((uintptr_t)0x100000000000 + i * 4096);
}

static size_t visited;
static void count_visit(struct hg_chunk *c)
{
	(void)c;
	visited++;
}

static size_t count_entries(void)
{
	visited = 0;
	hg_region_mmap_each(count_visit);
	return visited;
}

static void test_finds_what_it_holds_and_starts_at_a_page(void **state)
{
	(void)state;
	hg_region_mmap_add(fake(0));
	size_t first = hg_region_mmap_slots();
	assert_in_range(first, 1, 4096 / sizeof(uintptr_t));
	for (size_t i = 1; i < 10000; i++)
		hg_region_mmap_add(fake(i));
	assert_true(hg_region_mmap_slots() >= 2 * 10000);
	for (size_t i = 0; i < 10000; i++)
		assert_true(hg_region_mmap_has(fake(i)));
	assert_int_equal(count_entries(), 10000);
	for (size_t i = 0; i < 10000; i += 2)
		hg_region_mmap_remove(fake(i));
	for (size_t i = 0; i < 10000; i++)
		assert_int_equal(hg_region_mmap_has(fake(i)), i % 2 == 1);
	assert_int_equal(count_entries(), 5000);
	for (size_t i = 1; i < 10000; i += 2)
		hg_region_mmap_remove(fake(i));
	assert_int_equal(count_entries(), 0);
}

/* A program that maps and frees a big block at a time, 100,000 times:
 * the table stays the size of what it holds.  Doubling at each half
 * filled with tombstones, it reached 262,144 slots (2 MiB, walked at
 * every exit). */
static void test_blocks_that_came_and_went_do_not_grow_it(void **state)
{
	(void)state;
	size_t before = hg_region_mmap_slots();
	for (size_t i = 0; i < 100000; i++) {
		hg_region_mmap_add(fake(20000 + i));
		hg_region_mmap_add(fake(200000 + i));
		hg_region_mmap_remove(fake(20000 + i));
		hg_region_mmap_remove(fake(200000 + i));
	}
	assert_true(hg_region_mmap_slots() <= before);
	hg_region_mmap_add(fake(7));
	assert_true(hg_region_mmap_has(fake(7)));
	assert_false(hg_region_mmap_has(fake(20000 + 99999)));
	assert_int_equal(count_entries(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_what_it_holds_and_starts_at_a_page),
		cmocka_unit_test(test_blocks_that_came_and_went_do_not_grow_it),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	/* Not exit(): the core's exit handlers would walk a table of chunks
	 * that are not there. */
	fflush(NULL);
	_exit(failed != 0);
}
