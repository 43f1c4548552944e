/* SPDX-License-Identifier: MIT */
/* Unit tests of the side table of blocks' owners (guard/owners.c), linked
 * alone: a 4-byte slot per 32-byte granule, windows mapped on first use
 * and only then, the encoding of stack ids and thread numbers (saturated,
 * never a heap pointer to the leak scan), clearing, and agreement between
 * threads that make the same window at once. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../guard/owners.h"

/* Addresses in a window of their own, far from anything of the process:
 * the table never dereferences a chunk address. */
#define BASE ((uintptr_t)0x3f1230000000)

static void no_window_until_made(void **state)
{
	(void)state;
	struct hg_owners o;
	uintptr_t a = BASE + ((uintptr_t)7 << HG_OWNER_WINDOW_SHIFT);
	assert_null(hg_owner_slot(a));
	assert_false(hg_owner_get(a, &o));
	assert_int_equal(o.alloc_stack, 0);
	/* forget on a missing window does nothing, and maps nothing */
	size_t before = hg_owner_mapped();
	hg_owner_forget(a);
	assert_int_equal(hg_owner_mapped(), before);
	assert_null(hg_owner_slot(a));
	hg_owner_set_alloc(a, 9, 2);
	assert_non_null(hg_owner_slot(a));
	assert_true(hg_owner_get(a, &o));
	assert_int_equal(o.alloc_stack, 9);
	assert_int_equal(o.alloc_thread, 2);
	/* the first pool holds one window of 4-byte slots; plus (the first
	 * time) one node of the tree */
	assert_true(hg_owner_mapped() - before >= HG_OWNER_WINDOW_SLOTS * 4);
	assert_true(hg_owner_mapped() - before <= HG_OWNER_WINDOW_SLOTS * 4 + HG_OWNER_MID * 8 + 64);
	/* addresses past the 47-bit user space have no slot */
	hg_owner_set_alloc((uintptr_t)1 << 47, 1, 1);
	assert_null(hg_owner_slot((uintptr_t)1 << 47));
}

static void one_slot_per_chunk(void **state)
{
	(void)state;
	struct hg_owners o;
	/* chunks 32 bytes apart, starting at either half of a granule */
	for (uintptr_t i = 0; i < 64; i++)
		hg_owner_set_alloc(BASE + 32 * i + 16 * (i & 1), (uint32_t)(100 + i), 1);
	for (uintptr_t i = 0; i < 64; i++) {
		assert_true(hg_owner_get(BASE + 32 * i + 16 * (i & 1), &o));
		assert_int_equal(o.alloc_stack, 100 + i);
	}
	/* a new allocation at the same place replaces the owner, and only
	 * its slot */
	hg_owner_set_alloc(BASE + 32 * 5 + 16, 200, 4);
	assert_true(hg_owner_get(BASE + 32 * 5 + 16, &o));
	assert_int_equal(o.alloc_stack, 200);
	assert_int_equal(o.alloc_thread, 4);
	assert_true(hg_owner_get(BASE + 32 * 4, &o));
	assert_int_equal(o.alloc_stack, 104);
	assert_true(hg_owner_get(BASE + 32 * 6, &o));
	assert_int_equal(o.alloc_stack, 106);
	/* forgetting clears the slot: the chunk went back to the heap */
	hg_owner_forget(BASE + 32 * 5 + 16);
	assert_false(hg_owner_get(BASE + 32 * 5 + 16, &o));
	assert_true(hg_owner_get(BASE + 32 * 6, &o));
}

static void encoding(void **state)
{
	(void)state;
	struct hg_owners o;
	uintptr_t a = BASE + 4096;
	/* the largest id the depot hands out, and its "internal" id; a
	 * word splits back into both (the quarantine keeps free owners' words) */
	hg_owner_set_alloc(a, HG_STACK_IDS_MAX, 65535);
	assert_true(hg_owner_get(a, &o));
	assert_int_equal(o.alloc_stack, HG_STACK_IDS_MAX);
	assert_int_equal(o.alloc_thread, HG_OWNER_THREAD_MAX); /* saturated */
	uint32_t stack;
	unsigned thread;
	hg_owner_split(hg_owner_word(HG_STACK_INTERNAL, 0), &stack, &thread);
	assert_int_equal(stack, HG_STACK_INTERNAL);
	assert_int_equal(thread, HG_OWNER_THREAD_MAX); /* 0: unknown */
	hg_owner_split(0, &stack, &thread);
	assert_int_equal(stack, 0);
	assert_int_equal(thread, 0);
	/* an 8-byte word of the table never reads as a user-space pointer
	 * (the leak scan reads the table's memory as it reads any other):
	 * with its upper slot set, it is past the 47-bit space; with only
	 * its lower one, below 4 GiB */
	uintptr_t pair = a & ~(uintptr_t)63;
	for (uint32_t id = 0; id < 4; id++) {
		hg_owner_forget(pair);
		hg_owner_set_alloc(pair + 32, id, 1);
		uint64_t w;
		memcpy(&w, hg_owner_slot(pair), sizeof(w));
		assert_true(w >> 47 != 0);
		hg_owner_set_alloc(pair, id, 1);
		hg_owner_forget(pair + 32);
		memcpy(&w, hg_owner_slot(pair), sizeof(w));
		assert_true(w != 0 && w >> 32 == 0);
	}
}

static void *make_window(void *arg)
{
	uintptr_t a = (uintptr_t)arg;
	for (uintptr_t i = 0; i < 1000; i++)
		hg_owner_set_alloc(a + 64 * i, (uint32_t)(i + 1), 1);
	return NULL;
}

static void threads_agree_on_a_window(void **state)
{
	(void)state;
	uintptr_t a = BASE + ((uintptr_t)40 << HG_OWNER_WINDOW_SHIFT);
	pthread_t t[4];
	/* two threads on each half of the granules: the same slots */
	for (uintptr_t i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, make_window, (void *)(a + 32 * (i % 2))), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	/* one window kept, whoever won: every store landed in it */
	struct hg_owners o;
	for (uintptr_t i = 0; i < 2; i++)
		for (uintptr_t k = 0; k < 1000; k++) {
			assert_true(hg_owner_get(a + 32 * i + 64 * k, &o));
			assert_int_equal(o.alloc_stack, k + 1);
		}
	/* windows carved from pools: many windows, few mappings */
	size_t before = hg_owner_mapped();
	for (uintptr_t w = 100; w < 164; w++)
		hg_owner_set_alloc(BASE + (w << HG_OWNER_WINDOW_SHIFT), 1, 1);
	size_t grew = hg_owner_mapped() - before;
	assert_true(grew >= 63 * HG_OWNER_WINDOW_SLOTS * 4);
	assert_true(grew <= 128 * HG_OWNER_WINDOW_SLOTS * 4);
	for (uintptr_t w = 100; w < 164; w++)
		assert_true(hg_owner_get(BASE + (w << HG_OWNER_WINDOW_SHIFT), &o));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_window_until_made),
		cmocka_unit_test(one_slot_per_chunk),
		cmocka_unit_test(encoding),
		cmocka_unit_test(threads_agree_on_a_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
