/* SPDX-License-Identifier: MIT */
/* Unit tests of the chunk layout and bin geometry (lib/chunk.h,
 * lib/internal.h): request sizes, bin indices against glibc 2.36's tables,
 * protected links, the byte ownership rule of the head word, and the
 * fill/canary scan of guard/canary.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/internal.h"
#include "../../guard/canary.h"

static void test_request2size_matches_glibc(void **state)
{
	(void)state;
	assert_int_equal(hg_request2size(0), 32);
	assert_int_equal(hg_request2size(1), 32);
	assert_int_equal(hg_request2size(24), 32);
	assert_int_equal(hg_request2size(25), 48);
	assert_int_equal(hg_request2size(100), 112);
	assert_int_equal(hg_request2size(1032), 1040);
	assert_int_not_equal(hg_request2size(HG_MAX_REQUEST), 0);
	/* Requests that can never be served map to 0 (NULL + ENOMEM). */
	assert_int_equal(hg_request2size(HG_MAX_REQUEST + 1), 0); /* sizes stay below 512 GiB */
	assert_int_equal(hg_request2size(PTRDIFF_MAX), 0);
	assert_int_equal(hg_request2size(SIZE_MAX), 0);
	for (size_t req = 0; req < 5000; req++) {
		size_t sz = hg_request2size(req);
		assert_true(sz % 16 == 0);
		assert_true(sz - HG_SIZE_SZ >= req); /* usable covers the request */
		assert_true(sz < HG_MINSIZE + 1 || sz - 16 - HG_SIZE_SZ < req);
	}
}

static void test_mem_and_chunk_convert(void **state)
{
	(void)state;
	_Alignas(16) char buf[256] = { 0 };
	struct hg_chunk *c = (struct hg_chunk *)buf;
	assert_ptr_equal(hg_chunk2mem(c), buf + 16);
	assert_ptr_equal(hg_mem2chunk(buf + 16), c);
	assert_ptr_equal(hg_chunk_at(c, 64), (void *)(buf + 64));
	hg_chunk_set_head(c, 112 | HG_PREV_INUSE | HG_INUSE);
	assert_int_equal(hg_chunk_size(c), 112);
	assert_int_equal(hg_chunk_usable(c), 104); /* overlaps next prev_size */
	assert_ptr_equal(hg_chunk_next(c), (void *)(buf + 112));
	hg_chunk_set_head(c, 4096 | HG_IS_MMAPPED | HG_INUSE);
	assert_int_equal(hg_chunk_usable(c), 4096 - 16);
	assert_true(hg_misaligned(buf + 8));
	assert_false(hg_misaligned(buf + 32));
}

static void test_small_and_fast_indices(void **state)
{
	(void)state;
	assert_int_equal(hg_smallbin_index(32), 2);
	assert_int_equal(hg_smallbin_index(1008), 63);
	assert_true(hg_in_smallbin_range(1008));
	assert_false(hg_in_smallbin_range(1024));
	assert_int_equal(hg_fastbin_index(32), 0);
	assert_int_equal(hg_fastbin_index(176), HG_NFASTBINS - 1);
	assert_int_equal(hg_tcache_index(32), 0);
	assert_int_equal(hg_tcache_index(1040), HG_TCACHE_BINS - 1);
}

/* glibc's largebin_index_64 spacing: 64, 512, 4096, 32768, 262144 bytes. */
static void test_large_bins_cover_sizes_in_order(void **state)
{
	(void)state;
	assert_int_equal(hg_largebin_index(1024), 64);
	assert_int_equal(hg_largebin_index(1024 + 63), 64);
	assert_int_equal(hg_largebin_index(1024 + 64), 65);
	assert_int_equal(hg_largebin_index(3072), 96);
	assert_int_equal(hg_largebin_index(10240), 111);
	assert_int_equal(hg_largebin_index((size_t)1 << 30), 126);
	unsigned prev = hg_bin_index(32);
	for (size_t sz = 48; sz < ((size_t)4 << 20); sz += 16) {
		unsigned idx = hg_bin_index(sz);
		assert_true(idx == prev || idx == prev + 1);
		assert_true(idx < HG_NBINS);
		prev = idx;
	}
	assert_int_equal(prev, 126);
}

uintptr_t hg_link_secret;
uint64_t hg_checksum_key;
uint16_t hg_checksum_inuse_mask = 0x1234;

static void test_links_are_protected(void **state)
{
	(void)state;
	_Alignas(16) struct hg_chunk a = { 0 }, b = { 0 };
	hg_link_secret = 0x5a5a5a5a5a50;
	a.fd = hg_link_protect(&a.fd, &b);
	assert_ptr_not_equal(a.fd, &b);
	assert_ptr_equal(hg_link_reveal(&a.fd), &b);
	a.fd = hg_link_protect(&a.fd, NULL);
	assert_null(hg_link_reveal(&a.fd));
	/* A raw pointer written by an attacker does not decode to itself. */
	a.fd = &b;
	assert_ptr_not_equal(hg_link_reveal(&a.fd), &b);
}

/* The owner writes the upper half only, the neighbour byte 0 only; every
 * write leaves a header that verifies, and any other change does not. */
static void test_head_writers_touch_their_own_bytes(void **state)
{
	(void)state;
	struct hg_chunk c = { 0 };
	hg_chunk_set_head(&c, 0x12340 | HG_NON_MAIN_ARENA);
	assert_false(hg_chunk_bad_checksum(&c, c.head));
	uint8_t before[8];
	memcpy(before, &c.head, 8);
	hg_chunk_set_allocated(&c, 1);
	assert_true(hg_chunk_is_allocated(&c));
	assert_false(hg_chunk_bad_checksum(&c, c.head));
	assert_memory_equal(&c.head, before, 4);
	memcpy(before, &c.head, 8);
	hg_chunk_set_prev_inuse(&c, 1);
	assert_true(hg_chunk_prev_inuse(&c));
	assert_false(hg_chunk_bad_checksum(&c, c.head)); /* P is not covered */
	assert_memory_equal((char *)&c.head + 1, before + 1, 7);
	hg_chunk_set_prev_inuse(&c, 0);
	assert_false(hg_chunk_prev_inuse(&c));
	hg_chunk_set_allocated(&c, 0);
	assert_false(hg_chunk_is_allocated(&c));
	assert_int_equal(hg_chunk_size(&c), 0x12340);
	assert_int_equal(hg_chunk_flags(&c) & ~HG_CHECKSUM_MASK, HG_NON_MAIN_ARENA);
	hg_chunk_set_head(&c, 64 | HG_PREV_INUSE | HG_INUSE);
	hg_chunk_set_size(&c, 128);
	assert_int_equal(c.head & ~HG_CHECKSUM_MASK, 128 | HG_PREV_INUSE | HG_INUSE);
	assert_false(hg_chunk_bad_checksum(&c, c.head));
}

/* Flipping any one bit of a header outside P, G (the fork generation) and
 * N (new since the checkpoint), which decide no check, is caught, and so is the same header copied to
 * another address. */
static void test_checksum_catches_every_bit_and_copies(void **state)
{
	(void)state;
	_Alignas(16) struct hg_chunk c[2] = { { 0 }, { 0 } };
	hg_checksum_key = 0x1234567887654321ull;
	hg_chunk_set_head(&c[0], 0x4a0 | HG_PREV_INUSE | HG_INUSE);
	for (int bit = 1; bit < 64; bit++) {
		size_t forged = c[0].head ^ ((size_t)1 << bit);
		assert_int_equal(hg_chunk_bad_checksum(&c[0], forged),
				 !(((size_t)1 << bit) & HG_STAMP_MASK));
	}
	assert_true(hg_chunk_bad_checksum(&c[1], c[0].head));
	/* An mmap'd chunk's prev_size (its offset into its mapping) is covered. */
	c[0].prev_size = 0x1000;
	hg_chunk_set_head(&c[0], 0x20000 | HG_IS_MMAPPED | HG_INUSE);
	assert_false(hg_chunk_bad_checksum(&c[0], c[0].head));
	c[0].prev_size = 0x2000;
	assert_true(hg_chunk_bad_checksum(&c[0], c[0].head));
}

/* hg_first_mismatch (a vectorised self-comparison for long runs) gives the
 * word scan's answer for every length and every position of a bad byte,
 * alone or followed by another, and on unaligned starts. */
static void test_first_mismatch_finds_the_first_bad_byte(void **state)
{
	(void)state;
	static unsigned char buf[4200];
	static const size_t lens[] = { 0, 1, 7, 8, 15, 16, 17, 63, 64, 65, 100, 255, 256,
				       257, 1000, 4096, 4099 };
	for (size_t off = 0; off < 3; off++) {
		unsigned char *p = buf + off;
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			size_t len = lens[k];
			memset(buf, HG_FILL_BYTE, sizeof(buf));
			assert_int_equal(hg_first_mismatch(p, len, HG_FILL_BYTE), len);
			for (size_t at = 0; at < len; at++) {
				p[at] = 0;
				assert_int_equal(hg_first_mismatch(p, len, HG_FILL_BYTE), at);
				if (at + 17 < len) {
					p[at + 17] = 1; /* a later one does not hide it */
					assert_int_equal(hg_first_mismatch(p, len, HG_FILL_BYTE), at);
					p[at + 17] = HG_FILL_BYTE;
				}
				p[at] = HG_FILL_BYTE;
			}
			/* A run of the wrong byte that repeats with the stride. */
			if (len > 0) {
				memset(p, 0x11, len);
				assert_int_equal(hg_first_mismatch(p, len, HG_FILL_BYTE), 0);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request2size_matches_glibc),
		cmocka_unit_test(test_mem_and_chunk_convert),
		cmocka_unit_test(test_small_and_fast_indices),
		cmocka_unit_test(test_large_bins_cover_sizes_in_order),
		cmocka_unit_test(test_links_are_protected),
		cmocka_unit_test(test_head_writers_touch_their_own_bytes),
		cmocka_unit_test(test_checksum_catches_every_bit_and_copies),
		cmocka_unit_test(test_first_mismatch_finds_the_first_bad_byte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
