/* SPDX-License-Identifier: MIT */
/* Unit tests of the header checksum (lib/checksum.h, lib/chunk.h): which
 * bits of a header it covers, and that it is bound to the chunk's address
 * and the process's key.  Headers are built in a buffer mapped at a fixed
 * address, under keys and masks drawn from a fixed seed, so every run
 * checks the same cases whatever the address space's layout.
 * A 16-bit sum lets a forgery through 1 time in 65536 where the code does
 * not promise more; those properties are checked as rates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "../../lib/chunk.h"

#define SAMPLES	     20000
#define BUFFER_BYTES ((size_t)1 << 20)

/* The checksum hashes a header's address, so a buffer placed by ASLR
 * would give each run other cases, and a rate's rare excess would come
 * and go from run to run.  This address lies in user space's upper half,
 * clear of the sanitizers' shadow and allocator ranges on x86-64. */
#define BUFFER_ADDRESS ((uintptr_t)0x4a5000000000u)

static unsigned char *buffer;
static uint64_t rng_state = 0x243f6a8885a308d3u;

/* splitmix64: a fixed sequence, the same on every run. */
static uint64_t next_random(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* A new process: its checksum key and U mask (never 0, as lib/init.c). */
static void new_secrets(void)
{
	hg_checksum_key = next_random();
	uint16_t mask = (uint16_t)next_random();
	hg_checksum_inuse_mask = mask ? mask : 0x5a3c;
}

#define SLOTS ((BUFFER_BYTES - sizeof(struct hg_chunk)) / 16)

static struct hg_chunk *chunk_in_slot(size_t slot)
{
	return (struct hg_chunk *)(buffer + slot * 16);
}

static size_t slot_of(const struct hg_chunk *c)
{
	return (size_t)((const unsigned char *)c - buffer) / 16;
}

/* A chunk at a random place in the buffer, with room for its header. */
static struct hg_chunk *random_chunk(void)
{
	return chunk_in_slot(next_random() % SLOTS);
}

/* A head word as lib/ writes them: a size, flags, state bits; sealed. */
static size_t random_head(bool mmapped)
{
	size_t r = next_random();
	size_t size = ((r >> 4) % (((size_t)1 << 36) - 2) + 2) << 4;
	size_t head = size | (r & (HG_PREV_INUSE | HG_NON_MAIN_ARENA));
	if (mmapped)
		head |= HG_IS_MMAPPED;
	head |= r & (HG_INUSE | ((size_t)0x7f << 41));
	return head;
}

static struct hg_chunk *sealed_chunk(bool mmapped)
{
	struct hg_chunk *c = random_chunk();
	c->prev_size = next_random() & 0x0000fffffffffff0u;
	hg_chunk_set_head(c, random_head(mmapped));
	assert_false(hg_chunk_bad_checksum(c, c->head));
	return c;
}

/* Bit b of a head word, flipped alone: what the checksum must say. */
enum verdict { CAUGHT, NOT_COVERED, ALMOST_ALWAYS };

static enum verdict flip_verdict(unsigned b)
{
	size_t bit = (size_t)1 << b;
	if (bit == HG_PREV_INUSE)
		return NOT_COVERED; /* written by the neighbour alone */
	if (bit & HG_STAMP_MASK)
		return NOT_COVERED; /* G, N: stamped without rehashing, decide no check */
	if (bit == HG_IS_MMAPPED)
		return ALMOST_ALWAYS; /* also adds or drops prev_size */
	return CAUGHT;		      /* checked bits, U (the mask), the sum */
}

static void test_every_single_bit_flip_of_a_header_is_caught(void **state)
{
	(void)state;
	unsigned slipped_m = 0;
	for (unsigned i = 0; i < SAMPLES; i++) {
		if (i % 1000 == 0)
			new_secrets();
		struct hg_chunk *c = sealed_chunk(i % 2 == 1);
		size_t head = c->head;
		for (unsigned b = 0; b < 64; b++) {
			bool bad = hg_chunk_bad_checksum(c, head ^ (size_t)1 << b);
			switch (flip_verdict(b)) {
			case CAUGHT:
				if (!bad)
					fail_msg("flip of bit %u of head 0x%zx at %p not caught", b,
						 head, (void *)c);
				break;
			case NOT_COVERED:
				assert_false(bad);
				break;
			case ALMOST_ALWAYS:
				slipped_m += !bad;
				break;
			}
		}
	}
	assert_true(slipped_m <= 4); /* about SAMPLES / 65536 */
}

/* The same verdicts through the fast paths' form of the check. */
static void test_heap_form_agrees_with_the_general_check(void **state)
{
	(void)state;
	new_secrets();
	for (unsigned i = 0; i < SAMPLES; i++) {
		struct hg_chunk *c = sealed_chunk(false);
		size_t head = c->head;
		for (unsigned b = 0; b < 64; b++) {
			size_t h = head ^ (size_t)1 << b;
			if (h & HG_IS_MMAPPED)
				continue;
			assert_int_equal(hg_chunk_bad_heap_checksum(c, h, (h & HG_INUSE) != 0),
					 hg_chunk_bad_checksum(c, h));
		}
	}
}

static void test_header_copied_to_another_address_does_not_verify(void **state)
{
	(void)state;
	unsigned verified = 0, copies = 0;
	for (unsigned i = 0; i < SAMPLES; i++) {
		if (i % 1000 == 0)
			new_secrets();
		struct hg_chunk *c = sealed_chunk(i % 2 == 1);
		struct hg_chunk copy = *c;
		/* Its neighbours (an overflow's reach), then anywhere. */
		size_t from = slot_of(c);
		size_t to[4] = { from + 1, from - 1, from + 2, next_random() % SLOTS };
		for (unsigned k = 0; k < 4; k++) {
			if (to[k] >= SLOTS || to[k] == from)
				continue;
			struct hg_chunk *d = chunk_in_slot(to[k]);
			d->prev_size = copy.prev_size;
			d->head = copy.head;
			verified += !hg_chunk_bad_checksum(d, d->head);
			copies++;
		}
	}
	assert_true(copies > 3 * SAMPLES);
	assert_true(verified <= 8); /* about copies / 65536 */
}

/* A header forged in another process (another key) does not verify here. */
static void test_header_under_another_key_does_not_verify(void **state)
{
	(void)state;
	unsigned verified = 0;
	for (unsigned i = 0; i < 4 * SAMPLES; i++) {
		new_secrets();
		struct hg_chunk *c = sealed_chunk(i % 2 == 1);
		hg_checksum_key = next_random();
		verified += !hg_chunk_bad_checksum(c, c->head);
	}
	assert_true(verified <= 8);
}

static void test_inuse_flip_keeps_the_header_verifying(void **state)
{
	(void)state;
	new_secrets();
	for (unsigned i = 0; i < SAMPLES; i++) {
		struct hg_chunk *c = sealed_chunk(false);
		bool inuse = hg_chunk_is_allocated(c);
		/* The thread cache's flip: U and the sum with one xor. */
		*hg_chunk_owner_word(c) ^= hg_chunk_inuse_flip();
		assert_int_equal(hg_chunk_is_allocated(c), !inuse);
		assert_false(hg_chunk_bad_checksum(c, c->head));
		assert_false(hg_chunk_bad_heap_checksum(c, c->head, !inuse));
		*hg_chunk_owner_word(c) ^= hg_chunk_inuse_flip();
		assert_false(hg_chunk_bad_checksum(c, c->head));
		/* The owner's rehashing store. */
		hg_chunk_set_allocated(c, !inuse);
		assert_int_equal(hg_chunk_is_allocated(c), !inuse);
		assert_false(hg_chunk_bad_checksum(c, c->head));
		/* U alone, without the mask: caught. */
		assert_true(hg_chunk_bad_checksum(c, c->head ^ HG_INUSE));
	}
}

static void test_prev_inuse_is_not_covered(void **state)
{
	(void)state;
	new_secrets();
	for (unsigned i = 0; i < SAMPLES; i++) {
		struct hg_chunk *c = sealed_chunk(i % 2 == 1);
		hg_chunk_set_prev_inuse(c, 1);
		assert_true(hg_chunk_prev_inuse(c));
		assert_false(hg_chunk_bad_checksum(c, c->head));
		hg_chunk_set_prev_inuse(c, 0);
		assert_false(hg_chunk_prev_inuse(c));
		assert_false(hg_chunk_bad_checksum(c, c->head));
	}
}

/* An mmap'd chunk's prev_size is its offset into its mapping, which only
 * it owns: covered.  A heap chunk's belongs to the chunk before: not. */
static void test_mmapped_chunk_covers_prev_size(void **state)
{
	(void)state;
	unsigned slipped = 0;
	for (unsigned i = 0; i < SAMPLES; i++) {
		if (i % 1000 == 0)
			new_secrets();
		struct hg_chunk *m = sealed_chunk(true);
		m->prev_size ^= (size_t)1 << (next_random() % 64);
		slipped += !hg_chunk_bad_checksum(m, m->head);
		struct hg_chunk *h = sealed_chunk(false);
		h->prev_size ^= (size_t)1 << (next_random() % 64);
		assert_false(hg_chunk_bad_checksum(h, h->head));
	}
	assert_true(slipped <= 4);
}

/* G, the fork generation, is stamped into the owner half by the fast path
 * (no rehash) and by the slow paths: any G verifies, and a header forged in
 * any other way is still caught whatever G it carries.  G is not covered,
 * so a forgery's verdict is the same under every G: the rare one that
 * slips slips 16 times, and is counted once. */
static void test_generation_bits_neither_break_nor_hide_a_forgery(void **state)
{
	(void)state;
	unsigned slipped_size = 0, slipped_copy = 0;
	for (unsigned i = 0; i < SAMPLES; i++) {
		if (i % 1000 == 0)
			new_secrets();
		struct hg_chunk *c = sealed_chunk(i % 2 == 1);
		size_t head = c->head;
		unsigned size_slips = 0, copy_slips = 0, copies = 0;
		for (unsigned g = 0; g < 16; g++) {
			uint32_t *owner = hg_chunk_owner_word(c);
			uint32_t bits = (uint32_t)g << (HG_GENERATION_SHIFT - HG_OWNER_SHIFT);
			*owner = (*owner & ~HG_GENERATION_OWNER_MASK) | bits;
			assert_int_equal(hg_chunk_generation(c), g);
			assert_false(hg_chunk_bad_checksum(c, c->head));
			if (!(c->head & HG_IS_MMAPPED))
				assert_false(hg_chunk_bad_heap_checksum(c, c->head,
									(c->head & HG_INUSE) != 0));
			assert_int_equal(c->head & ~HG_GENERATION_MASK, head & ~HG_GENERATION_MASK);
			/* A size grown by one step, or the header copied one chunk
			 * up: caught with this G as with any. */
			size_slips += !hg_chunk_bad_checksum(c, c->head + 16);
			struct hg_chunk *d = hg_chunk_at(c, 16);
			if (slot_of(d) < SLOTS) {
				struct hg_chunk copy = *c;
				d->prev_size = copy.prev_size;
				d->head = copy.head;
				copy_slips += !hg_chunk_bad_checksum(d, d->head);
				copies++;
			}
		}
		assert_true(size_slips == 0 || size_slips == 16);
		assert_true(copy_slips == 0 || copy_slips == copies);
		slipped_size += size_slips != 0;
		slipped_copy += copy_slips != 0;
		/* The owner's rehashing store keeps G. */
		hg_chunk_set_allocated(c, !hg_chunk_is_allocated(c));
		assert_int_equal(hg_chunk_generation(c), 15);
		assert_false(hg_chunk_bad_checksum(c, c->head));
	}
	/* about SAMPLES / 65536 each, as for any 16-bit sum */
	assert_true(slipped_size <= 4);
	assert_true(slipped_copy <= 4);
}

static int map_buffer(void **state)
{
	(void)state;
	void *p = mmap((void *)BUFFER_ADDRESS, BUFFER_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED) /* taken: anywhere, the cases vary from run to run */
		p = mmap(NULL, BUFFER_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (p == MAP_FAILED)
		return -1;
	buffer = p;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_single_bit_flip_of_a_header_is_caught),
		cmocka_unit_test(test_heap_form_agrees_with_the_general_check),
		cmocka_unit_test(test_header_copied_to_another_address_does_not_verify),
		cmocka_unit_test(test_header_under_another_key_does_not_verify),
		cmocka_unit_test(test_inuse_flip_keeps_the_header_verifying),
		cmocka_unit_test(test_prev_inuse_is_not_covered),
		cmocka_unit_test(test_mmapped_chunk_covers_prev_size),
		cmocka_unit_test(test_generation_bits_neither_break_nor_hide_a_forgery),
	};
	return cmocka_run_group_tests(tests, map_buffer, NULL);
}
