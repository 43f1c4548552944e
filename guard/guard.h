/* SPDX-License-Identifier: MIT */
/* The checks lib/ runs at its fixed points: a pointer handed to free,
 * realloc or malloc_usable_size; a chunk handed out or given back at
 * level=full (canary, trailer, fill, quarantine); the heap walk. */
#ifndef HG_GUARD_H
#define HG_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "canary.h"

struct hg_chunk;

/* mem may be released by op ("free", "realloc", "malloc_usable_size"): it
 * is ours, aligned, its header verifies and it is allocated.  Otherwise the
 * error is reported and false returned. */
bool hg_guard_check_release(void *mem, const char *op);

/* level=full */
void hg_guard_arm(struct hg_chunk *c, size_t requested);
bool hg_guard_canary_ok(struct hg_chunk *c, const char *op);
bool hg_chunk_requested(const struct hg_chunk *c, size_t *requested);
void hg_guard_quarantine(struct hg_chunk *c);
bool hg_guard_fill_ok(struct hg_chunk *c, const char *op);
void hg_guard_exit(void);
void hg_guard_thread_exit(void);
int hg_guard_check_heap(bool at_exit);

/* lib/ gives a chunk that left the quarantine back to the heap. */
void hg_release_freed(struct hg_chunk *c);

#endif
