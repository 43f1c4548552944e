/* SPDX-License-Identifier: MIT */
/* level=full's in-chunk bookkeeping.  The last 8 bytes of an allocated
 * chunk's usable space hold a trailer (the slack between the request and
 * the trailer, and a keyed check of both); the slack bytes hold a canary, so
 * a write even one byte past the request is seen at free, realloc, the heap
 * check and exit.  Freed chunks are filled with a pattern checked when they
 * leave the quarantine.
 *
 *   mem                    mem+requested       usable end - 8    usable end
 *   | program's bytes      | canary (>= 1 byte) | slack | check |
 */
#ifndef HG_CANARY_H
#define HG_CANARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HG_CANARY_BYTE 0xa5
#define HG_FILL_BYTE 0xdf
#define HG_TRAILER_SIZE 8
#define HG_GUARD_EXTRA (HG_TRAILER_SIZE + 1) /* added to every request */

struct hg_trailer {
	uint32_t slack;				/* canary bytes after the request */
	uint32_t check;				/* keyed hash of slack and address */
};

/* Offset of the first byte in [p, p+len) that is not `byte`, or len. */
static inline size_t hg_first_mismatch(const unsigned char *p, size_t len, unsigned char byte)
{
	size_t i = 0;
	uint64_t pattern = 0x0101010101010101ull * byte;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w != pattern)
			break;
	}
	for (; i < len; i++)
		if (p[i] != byte)
			return i;
	return len;
}

#endif
