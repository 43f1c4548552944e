/* SPDX-License-Identifier: MIT */
/* level=full's in-chunk bookkeeping.  The last 20 bytes of an allocated
 * chunk's usable space hold a trailer: the slack between the request and
 * the trailer, the allocation (and, once freed, the free) stack ids and
 * thread numbers, and a keyed check of them all.  The slack bytes hold a
 * canary, so a write even one byte past the request is seen at free,
 * realloc, the heap check and exit.  Freed chunks are filled with a pattern
 * checked when they leave the quarantine.
 *
 *   mem                    mem+requested       usable end - 20         usable end
 *   | program's bytes      | canary (>= 1 byte) | slack | stacks, threads | check |
 */
#ifndef HG_CANARY_H
#define HG_CANARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HG_CANARY_BYTE 0xa5
#define HG_FILL_BYTE 0xdf
#define HG_TRAILER_SIZE 20
#define HG_GUARD_EXTRA (HG_TRAILER_SIZE + 1) /* added to every request */

/* 4-byte aligned: the usable end is 8-aligned. */
struct hg_trailer {
	uint32_t slack;				/* canary bytes after the request */
	uint32_t alloc_stack;			/* stack depot ids (0: none) */
	uint32_t free_stack;
	uint16_t alloc_thread;			/* heapguard thread numbers */
	uint16_t free_thread;
	uint32_t check;				/* keyed hash of all the above and the address */
};
_Static_assert(sizeof(struct hg_trailer) == HG_TRAILER_SIZE, "trailer layout");

/* Offset of the first byte in [p, p+len) that is not `byte`, or len;
 * a word at a time. */
static inline size_t hg_first_mismatch_scan(const unsigned char *p, size_t len, unsigned char byte)
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

/* The same.  A long run is checked by comparing it with itself shifted by
 * HG_RUN_STRIDE bytes, with libc's vectorised memcmp: if the first stride
 * holds only `byte` and every byte equals the one a stride further on,
 * every byte is `byte`.  The word scan finds the offset when it is not. */
#define HG_RUN_STRIDE 16
static inline size_t hg_first_mismatch(const unsigned char *p, size_t len, unsigned char byte)
{
	if (len < 4 * HG_RUN_STRIDE)
		return hg_first_mismatch_scan(p, len, byte);
	if (hg_first_mismatch_scan(p, HG_RUN_STRIDE, byte) == HG_RUN_STRIDE &&
	    memcmp(p, p + HG_RUN_STRIDE, len - HG_RUN_STRIDE) == 0)
		return len;
	return hg_first_mismatch_scan(p, len, byte);
}

#endif
