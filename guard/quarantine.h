/* SPDX-License-Identifier: MIT */
/* A bounded FIFO of freed chunks (level=full): a chunk stays out of reuse
 * until `quarantine` bytes were freed after it, so a write after free lands
 * in memory nobody owns and is seen when the chunk leaves.  Knows nothing
 * of arenas: the caller gives the chunk's size and a release callback. */
#ifndef HG_QUARANTINE_H
#define HG_QUARANTINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hg_chunk;

/* c leaves the quarantine; tag is what it was put with. */
typedef void (*hg_quarantine_release_fn)(struct hg_chunk *c, uint32_t tag);

/* Hold c (size bytes, counted up to 4 GiB) with the caller's tag; release
 * the oldest chunks beyond `limit` bytes. */
void hg_quarantine_put(struct hg_chunk *c, size_t size, uint32_t tag, size_t limit,
		       hg_quarantine_release_fn release);
/* A thread exits: its batch joins the ring. */
void hg_quarantine_thread_exit(size_t limit, hg_quarantine_release_fn release);
/* Release every held chunk (exit): the ring and the caller's batch; with
 * keep_inherited, a fork child's, those the parent freed stay held. */
void hg_quarantine_drain(hg_quarantine_release_fn release, bool keep_inherited);
/* Visit every held chunk without releasing it (other threads' batches,
 * at most HG_BATCH chunks each, are not seen). */
void hg_quarantine_each(void (*visit)(struct hg_chunk *c, void *ctx), void *ctx);
/* The same without waiting for the lock: false, the ring not visited, when
 * it stayed held (the heap check of a dying process). */
bool hg_quarantine_try_each(void (*visit)(struct hg_chunk *c, void *ctx), void *ctx);
/* The tag c was put with, if it is held in the ring or the caller's batch
 * (other threads' batches are not seen): read without the lock, for a
 * diagnostic (a chunk put again meanwhile may give its newer tag). */
bool hg_quarantine_tag(const struct hg_chunk *c, uint32_t *tag);
/* Bytes in the ring now, read without the lock (the timeline's figure). */
size_t hg_quarantine_bytes(void);
void hg_quarantine_fork_prepare(void);
void hg_quarantine_fork_parent(void);
/* locked: the prepare handler took the lock (a single-threaded fork takes
 * none, and then none is reset). */
void hg_quarantine_fork_child(bool locked);

#endif
