/* SPDX-License-Identifier: MIT */
/* The heap walker: every chunk of every segment of every arena, in address
 * order, trusting only headers whose checksum verifies.  guard/ uses it to
 * tell an interior pointer from a corrupted header, for
 * heapguard_check_heap() and for the exit checks. */
#ifndef HG_WALK_H
#define HG_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "chunk.h"

struct hg_arena;

/* Called for each chunk; return false to stop the walk. */
typedef bool (*hg_walk_fn)(struct hg_arena *av, struct hg_chunk *c, void *ctx);
/* Called where a header does not verify; the walk of that segment stops. */
typedef void (*hg_walk_broken_fn)(struct hg_arena *av, struct hg_chunk *c, void *ctx);

/* Called before the chunks of each segment [lo, hi) of av's. */
typedef void (*hg_walk_segment_fn)(struct hg_arena *av, uintptr_t lo, uintptr_t hi, void *ctx);

/* Walk every arena's segments.  The caller holds the arenas' locks, or
 * accepts a racy view (the error path). */
void hg_walk_heap(hg_walk_fn visit, hg_walk_broken_fn broken, void *ctx);
/* The same, telling where each segment starts (segment may be NULL). */
void hg_walk_segments(hg_walk_segment_fn segment, hg_walk_fn visit, hg_walk_broken_fn broken,
		      void *ctx);

/* Only the segments, in the walk's order, none of their chunks: where the
 * heap's chunks may lie (the caller holds the arenas' locks). */
void hg_walk_segment_list(hg_walk_segment_fn segment, void *ctx);

enum hg_chunk_start { HG_AT_CHUNK, HG_INSIDE_CHUNK, HG_AFTER_BROKEN, HG_NOT_FOUND };

/* Where the heap address a lies: at the start of a chunk, inside one
 * (*found is that chunk), or past a header that does not verify (*found
 * is that header). */
enum hg_chunk_start hg_walk_locate(uintptr_t a, struct hg_chunk **found);

#endif
