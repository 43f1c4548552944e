/* SPDX-License-Identifier: MIT */
/* The chunk header checksum: 16 bits over a head word's checked bits, keyed
 * by a per-process secret and by the chunk's own address, so a header that
 * is changed, or copied or forged at another address, does not verify.
 * Knows nothing of arenas: it takes an address and a word. */
#ifndef HG_CHECKSUM_H
#define HG_CHECKSUM_H

#include <stdint.h>

extern uint64_t hg_checksum_key;

/* A multiply-xor mix: every input bit reaches the top 16 bits of the
 * product, which is what we keep. */
static inline uint16_t hg_checksum(const void *where, uint64_t checked_bits)
{
	uint64_t x = ((uint64_t)(uintptr_t)where ^ hg_checksum_key) * 0x9e3779b97f4a7c15ull;
	x = (x ^ checked_bits) * 0xd6e8feb86659fd93ull;
	return (uint16_t)(x >> 48);
}

#endif
