/* SPDX-License-Identifier: MIT */
/* The chunk: ptmalloc2's in-band layout on x86-64, and the only code that
 * reads or writes a chunk header.  guard/ adds its checksum here, in
 * hg_chunk_set_head(), so every header store goes through these helpers. */
#ifndef HG_CHUNK_H
#define HG_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checksum.h"

/*
 *   chunk -> +--------------------------------------------+
 *            | prev_size: size of the previous chunk, only |
 *            |   meaningful while that chunk is free       |
 *            +--------------------------------------------+
 *            | head: 63..48 guard/'s checksum              |
 *            |       47..44 G: fork generation mod 16      |
 *            |       43..41 guard/'s chunk states          |
 *            |       40 U: allocated to the program        |
 *            |       39 N: handed out since the checkpoint |
 *            |       38..4  chunk size (multiple of 16)    |
 *            |       2 A: belongs to a non-main arena      |
 *            |       1 M: mmap'd on its own                |
 *            |       0 P: previous chunk in use            |
 *     mem -> +--------------------------------------------+
 *            | user data (in use) / fd, bk (free)          |
 *            | fd_nextsize, bk_nextsize (free, large bins) |
 *            +- - - - - - - - - - - - - - - - - - - - - - +
 *            | last 8 bytes: the next chunk's prev_size    |
 *            +--------------------------------------------+
 *
 * As in glibc, an in-use chunk may use the next chunk's prev_size word, so
 * the usable size of a heap chunk is its size minus 8 (minus 16 when mmap'd).
 * U is heapguard's own: the allocation state lives in the header, so a double
 * free is a fact, not a heuristic, whatever bin the chunk went to.  Sizes
 * stop below 512 GiB, which leaves the rest of the upper half of the word to
 * the owner.
 *
 * G is the fork generation (lib.h) of the process that handed the block to
 * the program, written with U in the same owner-half store; meaningless
 * while the chunk is free.  It is not covered by the checksum, so the fast
 * paths stamp it without rehashing: a forged G can only move a block
 * between a fork child's report and its parent's, never let a forged
 * header through.  Mod 16: a process 16 forks below another takes that
 * one's blocks for its own.
 *
 * N (new) is stamped set with G, by every allocation, in the same store and
 * as freely: a leak checkpoint (report/leaks.c) clears it on every live
 * block, so at the next one the blocks with N set are exactly those handed
 * out since.  Not covered by the checksum either: a forged N only moves a
 * block between two checkpoint reports.  G and N together are the stamp.
 *
 * Two writers share the head word without a common lock: the chunk's owner
 * flips U when a thread cache takes or gives the chunk (no lock), while the
 * previous chunk's owner flips P under the arena lock.  So the owner writes
 * only the upper 32 bits (one aligned store, which a later load of the same
 * half forwards from) and the neighbour only byte 0.
 */
struct hg_chunk {
	size_t prev_size;		   /* previous chunk's size, while it is free */
	size_t head;			   /* size | A | M | P, U and owner bits on top */
	struct hg_chunk *fd;		   /* next free chunk (free chunks only) */
	struct hg_chunk *bk;		   /* previous free chunk */
	struct hg_chunk *fd_nextsize;	   /* large bins: next smaller size group */
	struct hg_chunk *bk_nextsize;	   /* large bins: next larger size group */
};

#define HG_PREV_INUSE ((size_t)0x1)
#define HG_IS_MMAPPED ((size_t)0x2)
#define HG_NON_MAIN_ARENA ((size_t)0x4)
#define HG_FLAG_BITS ((size_t)0x7)
#define HG_SIZE_MASK ((size_t)0x0000007ffffffff0)
#define HG_OWNER_SHIFT 32			/* bytes 4..7: the owner's half */
#define HG_NEW ((size_t)1 << 39)		/* handed out since the last checkpoint */
#define HG_INUSE ((size_t)1 << 40)
#define HG_QUARANTINED ((size_t)1 << 41)	/* freed, held by guard/'s quarantine */
#define HG_ISOLATED ((size_t)1 << 42)		/* found corrupt: never reused */
#define HG_ARMED ((size_t)1 << 43)		/* level=full: canary and trailer written */
#define HG_GENERATION_SHIFT 44
#define HG_GENERATION_MASK ((size_t)0xf << HG_GENERATION_SHIFT)
/* G as it sits in the owner half (the 32-bit word the owner stores). */
#define HG_GENERATION_OWNER_MASK ((uint32_t)(HG_GENERATION_MASK >> HG_OWNER_SHIFT))
#define HG_NEW_OWNER ((uint32_t)(HG_NEW >> HG_OWNER_SHIFT))
/* What every allocation stamps: G and N. */
#define HG_STAMP_MASK (HG_GENERATION_MASK | HG_NEW)
#define HG_STAMP_OWNER_MASK (HG_GENERATION_OWNER_MASK | HG_NEW_OWNER)
#define HG_STATE_BITS (HG_INUSE | HG_QUARANTINED | HG_ISOLATED)
#define HG_CHECKSUM_SHIFT 48
#define HG_CHECKSUM_MASK ((size_t)0xffff << HG_CHECKSUM_SHIFT)
/* P is not covered: the previous chunk's owner writes it alone.  It is
 * checked by verifying the chunk it points back to instead.  U is covered
 * by a secret mask xor'd into the checksum when U is set, so the thread
 * cache flips U and the checksum with one xor, without rehashing.  G and N
 * are not covered (see above). */
#define HG_CHECKED_BITS (~(HG_PREV_INUSE | HG_CHECKSUM_MASK | HG_INUSE | HG_STAMP_MASK))
extern uint16_t hg_checksum_inuse_mask;

/* The owner half's xor that flips U and keeps the header verifying. */
static inline uint32_t hg_chunk_inuse_flip(void)
{
	return (uint32_t)(HG_INUSE >> 32) |
	       ((uint32_t)hg_checksum_inuse_mask << (HG_CHECKSUM_SHIFT - 32));
}

#define HG_SIZE_SZ sizeof(size_t)
#define HG_ALIGNMENT ((size_t)16)
#define HG_ALIGN_MASK (HG_ALIGNMENT - 1)
#define HG_CHUNK_HDR ((size_t)16)		/* prev_size + head */
#define HG_MINSIZE ((size_t)32)		/* header + fd + bk */
/* Largest request: chunk sizes must fit the 35-bit size field. */
#define HG_MAX_REQUEST (((size_t)1 << 39) - ((size_t)1 << 20))

_Static_assert(sizeof(struct hg_chunk) == 48, "chunk struct is 6 words");
_Static_assert(offsetof(struct hg_chunk, fd) == HG_CHUNK_HDR, "user data follows the header");

static inline struct hg_chunk *hg_mem2chunk(const void *mem)
{
	return (struct hg_chunk *)((char *)mem - HG_CHUNK_HDR);
}

static inline void *hg_chunk2mem(const struct hg_chunk *c)
{
	return (char *)c + HG_CHUNK_HDR;
}

static inline struct hg_chunk *hg_chunk_at(const struct hg_chunk *c, size_t offset)
{
	return (struct hg_chunk *)((char *)c + offset);
}

/* Reads of one half of the head word.  The halves have different writers
 * (see above), and a whole-word load right after a half-word store stalls
 * store forwarding, so flags and size are read from the half they live in
 * (size bits 32..39 from the first byte of the owner half). */
static inline uint32_t hg_chunk_low_word(const struct hg_chunk *c)
{
	return __atomic_load_n((const uint32_t *)&c->head, __ATOMIC_RELAXED);
}

/* The whole head word, read as its two halves. */
static inline size_t hg_chunk_head(const struct hg_chunk *c)
{
	uint32_t owner = __atomic_load_n((const uint32_t *)&c->head + 1, __ATOMIC_RELAXED);
	return (size_t)owner << 32 | hg_chunk_low_word(c);
}

static inline size_t hg_chunk_size(const struct hg_chunk *c)
{
	size_t high = __atomic_load_n((const uint8_t *)&c->head + 4, __ATOMIC_RELAXED);
	return (high << 32 | hg_chunk_low_word(c)) & HG_SIZE_MASK;
}

/* Everything but the size: flags, U and the owner bits. */
static inline size_t hg_chunk_flags(const struct hg_chunk *c)
{
	return c->head & ~HG_SIZE_MASK;
}

static inline int hg_chunk_prev_inuse(const struct hg_chunk *c)
{
	return (hg_chunk_low_word(c) & HG_PREV_INUSE) != 0;
}

static inline int hg_chunk_is_mmapped(const struct hg_chunk *c)
{
	return (hg_chunk_low_word(c) & HG_IS_MMAPPED) != 0;
}

/* The owner's state bits (U, guard/'s states), from the owner half. */
static inline size_t hg_chunk_state(const struct hg_chunk *c)
{
	uint32_t owner = __atomic_load_n((const uint32_t *)&c->head + 1, __ATOMIC_RELAXED);
	return ((size_t)owner << 32) & (HG_INUSE | HG_QUARANTINED | HG_ISOLATED | HG_ARMED);
}

/* G: the fork generation (mod 16) that was handed the block. */
static inline unsigned hg_chunk_generation(const struct hg_chunk *c)
{
	uint32_t owner = __atomic_load_n((const uint32_t *)&c->head + 1, __ATOMIC_RELAXED);
	return (owner & HG_GENERATION_OWNER_MASK) >> (HG_GENERATION_SHIFT - HG_OWNER_SHIFT);
}

/* N: handed out since the last checkpoint (or since the start). */
static inline bool hg_chunk_is_new(const struct hg_chunk *c)
{
	uint32_t owner = __atomic_load_n((const uint32_t *)&c->head + 1, __ATOMIC_RELAXED);
	return (owner & HG_NEW_OWNER) != 0;
}

/* A checkpoint has seen c: N cleared, atomically (a thread cache may flip
 * U in the same word meanwhile). */
static inline void hg_chunk_clear_new(struct hg_chunk *c)
{
	__atomic_fetch_and((uint32_t *)&c->head + 1, ~HG_NEW_OWNER, __ATOMIC_RELAXED);
}

static inline int hg_chunk_is_allocated(const struct hg_chunk *c)
{
	return (hg_chunk_state(c) & HG_INUSE) != 0;
}

static inline struct hg_chunk *hg_chunk_next(const struct hg_chunk *c)
{
	return hg_chunk_at(c, hg_chunk_size(c));
}

static inline struct hg_chunk *hg_chunk_prev(const struct hg_chunk *c)
{
	return (struct hg_chunk *)((char *)c - c->prev_size);
}

/* What the checksum covers: the head's checked bits, and for an mmap'd
 * chunk its prev_size too (the offset to its mapping, which only it owns). */
static inline uint64_t hg_chunk_checked(const struct hg_chunk *c, size_t head)
{
	uint64_t bits = head & HG_CHECKED_BITS;
	if (head & HG_IS_MMAPPED)
		bits ^= (uint64_t)c->prev_size * 0x9e3779b97f4a7c15ull;
	return bits;
}

static inline uint16_t hg_chunk_checksum(const struct hg_chunk *c, size_t head)
{
	uint16_t sum = hg_checksum(c, hg_chunk_checked(c, head));
	return (head & HG_INUSE) ? (uint16_t)(sum ^ hg_checksum_inuse_mask) : sum;
}

/* hg_chunk_bad_checksum for a head the caller has already found to be a
 * heap chunk's (M clear) with U equal to inuse: the same verdict, without
 * the branches on M and U (the fast paths). */
static inline bool hg_chunk_bad_heap_checksum(const struct hg_chunk *c, size_t head, bool inuse)
{
	uint16_t sum = hg_checksum(c, head & HG_CHECKED_BITS);
	if (inuse)
		sum ^= hg_checksum_inuse_mask;
	return (head >> HG_CHECKSUM_SHIFT) != sum;
}

/* The head word with its checksum for this address. */
static inline size_t hg_chunk_seal(const struct hg_chunk *c, size_t head)
{
	return (head & ~HG_CHECKSUM_MASK) | ((size_t)hg_chunk_checksum(c, head) << HG_CHECKSUM_SHIFT);
}

/* True when the head word was not written by us at this address. */
static inline bool hg_chunk_bad_checksum(const struct hg_chunk *c, size_t head)
{
	return (head >> HG_CHECKSUM_SHIFT) != hg_chunk_checksum(c, head);
}

/* Every header store goes through these.  A whole-word store is only for a
 * chunk the caller owns outright, under the arena lock. */
static inline void hg_chunk_set_head(struct hg_chunk *c, size_t head)
{
	c->head = hg_chunk_seal(c, head);
}

static inline void hg_chunk_set_size(struct hg_chunk *c, size_t size)
{
	hg_chunk_set_head(c, (c->head & ~HG_SIZE_MASK) | size);
}

/* The neighbour's write: P lives alone in byte 0 with M, A and size bits
 * nobody changes concurrently. */
static inline void hg_chunk_set_prev_inuse(struct hg_chunk *c, int inuse)
{
	uint8_t *low = (uint8_t *)&c->head;
	uint8_t v = __atomic_load_n(low, __ATOMIC_RELAXED);
	v = inuse ? (uint8_t)(v | HG_PREV_INUSE) : (uint8_t)(v & ~HG_PREV_INUSE);
	__atomic_store_n(low, v, __ATOMIC_RELAXED);
}

/* The owner's half of the head: loaded and stored as one 32-bit word. */
static inline uint32_t *hg_chunk_owner_word(struct hg_chunk *c)
{
	return (uint32_t *)&c->head + 1;
}

/* The owner's write: state bits and checksum, the upper half only. */
static inline void hg_chunk_set_state(struct hg_chunk *c, size_t clear, size_t set)
{
	uint32_t low = __atomic_load_n((uint32_t *)&c->head, __ATOMIC_RELAXED);
	uint32_t high = __atomic_load_n(hg_chunk_owner_word(c), __ATOMIC_RELAXED);
	size_t head = ((size_t)high << HG_OWNER_SHIFT | low) & ~clear;
	head = hg_chunk_seal(c, head | set);
	__atomic_store_n(hg_chunk_owner_word(c), (uint32_t)(head >> HG_OWNER_SHIFT),
			 __ATOMIC_RELAXED);
}

static inline void hg_chunk_set_allocated(struct hg_chunk *c, int allocated)
{
	if (allocated)
		hg_chunk_set_state(c, 0, HG_INUSE);
	else
		hg_chunk_set_state(c, HG_INUSE | HG_ARMED, 0);
}

/* The boundary tag: a free chunk's size, stored in the next chunk's header. */
static inline void hg_chunk_set_foot(struct hg_chunk *c, size_t size)
{
	hg_chunk_at(c, size)->prev_size = size;
}

/* Usable bytes of an allocated chunk, as malloc_usable_size reports them. */
static inline size_t hg_chunk_usable(const struct hg_chunk *c)
{
	return hg_chunk_size(c) - (hg_chunk_is_mmapped(c) ? HG_CHUNK_HDR : HG_SIZE_SZ);
}

/* Request bytes -> chunk size; 0 when the request can never be served. */
static inline size_t hg_request2size(size_t req)
{
	if (req > HG_MAX_REQUEST)
		return 0;
	size_t sz = (req + HG_SIZE_SZ + HG_ALIGN_MASK) & ~HG_ALIGN_MASK;
	return sz < HG_MINSIZE ? HG_MINSIZE : sz;
}

static inline int hg_misaligned(const void *p)
{
	return ((uintptr_t)p & HG_ALIGN_MASK) != 0;
}

/* Single-list links (tcache, fastbins) are stored protected, as glibc's
 * safe-linking does: xor with the address of the link >> 12, plus a per-process
 * secret, so a forged or leaked pointer does not decode to a usable address. */
extern uintptr_t hg_link_secret;

static inline struct hg_chunk *hg_link_protect(struct hg_chunk **where, struct hg_chunk *ptr)
{
	return (struct hg_chunk *)(((uintptr_t)where >> 12) ^ (uintptr_t)ptr ^ hg_link_secret);
}

static inline struct hg_chunk *hg_link_reveal(struct hg_chunk **where)
{
	return (struct hg_chunk *)(((uintptr_t)where >> 12) ^ (uintptr_t)*where ^ hg_link_secret);
}

#endif
