/* SPDX-License-Identifier: MIT */
/* The quarantine: a ring of chunk pointers in static memory under one
 * lock.  Chunks are released outside the lock (release may take an arena
 * lock), in the order they came in. */
#include "quarantine.h"

#include "../lib/lock.h"

#define HG_QUARANTINE_SLOTS 65536

static struct hg_lock lock = HG_LOCK_INIT;
static struct hg_chunk *ring[HG_QUARANTINE_SLOTS];
static size_t sizes[HG_QUARANTINE_SLOTS];
static size_t head, count, bytes;

#define HG_RELEASE_BATCH 32

void hg_quarantine_put(struct hg_chunk *c, size_t size, size_t limit,
		       hg_quarantine_release_fn release)
{
	struct hg_chunk *out[HG_RELEASE_BATCH];
	size_t nout = 0;
	hg_lock_acquire(&lock);
	ring[(head + count) % HG_QUARANTINE_SLOTS] = c;
	sizes[(head + count) % HG_QUARANTINE_SLOTS] = size;
	count++;
	bytes += size;
	while (count > 0 && nout < HG_RELEASE_BATCH &&
	       (bytes > limit || count == HG_QUARANTINE_SLOTS)) {
		out[nout++] = ring[head];
		bytes -= sizes[head];
		head = (head + 1) % HG_QUARANTINE_SLOTS;
		count--;
	}
	hg_lock_release(&lock);
	for (size_t i = 0; i < nout; i++)
		release(out[i]);
}

void hg_quarantine_drain(hg_quarantine_release_fn release)
{
	for (;;) {
		hg_lock_acquire(&lock);
		if (count == 0) {
			hg_lock_release(&lock);
			return;
		}
		struct hg_chunk *c = ring[head];
		bytes -= sizes[head];
		head = (head + 1) % HG_QUARANTINE_SLOTS;
		count--;
		hg_lock_release(&lock);
		release(c);
	}
}

void hg_quarantine_each(void (*visit)(struct hg_chunk *c, void *ctx), void *ctx)
{
	hg_lock_acquire(&lock);
	for (size_t i = 0; i < count; i++)
		visit(ring[(head + i) % HG_QUARANTINE_SLOTS], ctx);
	hg_lock_release(&lock);
}

size_t hg_quarantine_bytes(void)
{
	return __atomic_load_n(&bytes, __ATOMIC_RELAXED);
}

void hg_quarantine_fork_prepare(void)
{
	hg_lock_acquire(&lock);
}

void hg_quarantine_fork_parent(void)
{
	hg_lock_release(&lock);
}

void hg_quarantine_fork_child(void)
{
	hg_lock_reset(&lock);
}
