/* SPDX-License-Identifier: MIT */
/* The quarantine: a ring of chunk pointers in static memory under one
 * lock, fed by per-thread batches.  Chunks are released outside the lock
 * (release may take an arena lock), in about the order they came in.
 * Each entry carries its chunk's size (counted up to 4 GiB) and the
 * caller's tag; 16 bytes an entry with the pointer. */
#include "quarantine.h"

#include <sys/single_threaded.h>

#include "../base/compiler.h"
#include "../base/lock.h"

#define HG_QUARANTINE_SLOTS 65536

static struct hg_lock lock = HG_LOCK_INIT;
static struct hg_chunk *ring[HG_QUARANTINE_SLOTS];
static uint32_t sizes[HG_QUARANTINE_SLOTS];
static uint32_t tags[HG_QUARANTINE_SLOTS];
static size_t head, count, bytes;
/* In a fork child: the entries the parent freed, oldest first, at the
 * ring's head and the batch's start (the child's frees come after). */
HG_FORK_STATE static size_t ring_inherited;
HG_FORK_STATE static unsigned batch_inherited;

/* Each thread collects its frees in a small batch and moves the batch into
 * the ring under one lock acquisition, so the lock is taken once per
 * HG_BATCH frees; the batch is emptied at thread exit and by drain. */
#define HG_BATCH 16
#define HG_RELEASE_MAX (HG_BATCH * 4)

struct hg_batch {
	struct hg_chunk *chunk[HG_BATCH];
	uint32_t size[HG_BATCH];
	uint32_t tag[HG_BATCH];
	unsigned n;
};

static __thread struct hg_batch batch __attribute__((tls_model("initial-exec")));

/* An entry on its way out, released outside the lock. */
struct leaving {
	struct hg_chunk *chunk;
	uint32_t tag;
};

/* The oldest entry leaves the ring; under the lock. */
static struct leaving ring_pop(void)
{
	struct leaving c = { ring[head], tags[head] };
	bytes -= sizes[head];
	head = (head + 1) % HG_QUARANTINE_SLOTS;
	count--;
	if (ring_inherited > 0)
		ring_inherited--;
	return c;
}

/* Move the batch into the ring; release what is beyond limit, oldest
 * first, HG_RELEASE_MAX at a time outside the lock, until the ring is
 * within it: a batch of large frees after many small ones must not leave
 * the quarantine holding several times its bound (sqlite3 at level=full
 * held 9.9 MiB of a 4 MiB bound, and its heap grew by 10 MiB for it). */
static void flush_batch(size_t limit, hg_quarantine_release_fn release)
{
	struct leaving out[HG_RELEASE_MAX];
	size_t nout = 0;
	hg_lock_acquire(&lock);
	for (unsigned i = 0; i < batch.n; i++) {
		if (count == HG_QUARANTINE_SLOTS)
			out[nout++] = ring_pop();
		if (i < batch_inherited) /* follows the ring's: none of the child's yet */
			ring_inherited++;
		size_t at = (head + count) % HG_QUARANTINE_SLOTS;
		/* Stored atomically: hg_quarantine_tag reads without the lock. */
		__atomic_store_n(&ring[at], batch.chunk[i], __ATOMIC_RELAXED);
		__atomic_store_n(&tags[at], batch.tag[i], __ATOMIC_RELAXED);
		sizes[at] = batch.size[i];
		count++;
		bytes += batch.size[i];
	}
	batch.n = 0;
	batch_inherited = 0;
	for (;;) {
		while (count > 0 && nout < HG_RELEASE_MAX && bytes > limit)
			out[nout++] = ring_pop();
		bool over = count > 0 && bytes > limit;
		/* Freed a quarantine's worth of frees ago, chunks leave it out
		 * of the cache, and each release starts by reading the header:
		 * ask for the headers of those that leave next time, and of
		 * those leaving now that were not asked for then, all at once
		 * (sqlite3 at level=full: 4.5% less time). */
		for (size_t i = 0; nout > 0 && i < HG_BATCH && i < count; i++)
			__builtin_prefetch(ring[(head + i) % HG_QUARANTINE_SLOTS]);
		hg_lock_release(&lock);
		for (size_t i = 0; i < nout; i++)
			__builtin_prefetch(out[i].chunk);
		for (size_t i = 0; i < nout; i++)
			release(out[i].chunk, out[i].tag);
		if (!over)
			return;
		nout = 0;
		hg_lock_acquire(&lock);
	}
}

void hg_quarantine_put(struct hg_chunk *c, size_t size, uint32_t tag, size_t limit,
		       hg_quarantine_release_fn release)
{
	batch.chunk[batch.n] = c;
	batch.size[batch.n] = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	batch.tag[batch.n] = tag;
	if (++batch.n == HG_BATCH)
		flush_batch(limit, release);
}

void hg_quarantine_thread_exit(size_t limit, hg_quarantine_release_fn release)
{
	if (batch.n > 0)
		flush_batch(limit, release);
}

void hg_quarantine_drain(hg_quarantine_release_fn release, bool keep_inherited)
{
	/* A fork child that freed nothing: no lock to take (to write). */
	if (keep_inherited && batch.n == batch_inherited && __libc_single_threaded &&
	    count <= ring_inherited)
		return;
	unsigned keep = keep_inherited ? batch_inherited : 0;
	for (unsigned i = keep; i < batch.n; i++)
		release(batch.chunk[i], batch.tag[i]);
	batch.n = keep;
	batch_inherited = keep;
	if (!keep_inherited) {
		for (;;) {
			hg_lock_acquire(&lock);
			if (count == 0) {
				hg_lock_release(&lock);
				return;
			}
			struct leaving c = ring_pop();
			hg_lock_release(&lock);
			release(c.chunk, c.tag);
		}
	}
	/* The newest first, from the ring's tail down to the inherited ones. */
	for (;;) {
		hg_lock_acquire(&lock);
		if (count <= ring_inherited) {
			hg_lock_release(&lock);
			return;
		}
		count--;
		size_t at = (head + count) % HG_QUARANTINE_SLOTS;
		bytes -= sizes[at];
		struct leaving c = { ring[at], tags[at] };
		hg_lock_release(&lock);
		release(c.chunk, c.tag);
	}
}

void hg_quarantine_each(void (*visit)(struct hg_chunk *c, void *ctx), void *ctx)
{
	for (unsigned i = 0; i < batch.n; i++)
		visit(batch.chunk[i], ctx);
	hg_lock_acquire(&lock);
	for (size_t i = 0; i < count; i++)
		visit(ring[(head + i) % HG_QUARANTINE_SLOTS], ctx);
	hg_lock_release(&lock);
}

bool hg_quarantine_try_each(void (*visit)(struct hg_chunk *c, void *ctx), void *ctx)
{
	for (unsigned i = 0; i < batch.n; i++)
		visit(batch.chunk[i], ctx);
	for (unsigned spins = 0; !hg_lock_try(&lock); spins++)
		if (spins > 1000000)
			return false;
	for (size_t i = 0; i < count; i++)
		visit(ring[(head + i) % HG_QUARANTINE_SLOTS], ctx);
	hg_lock_release(&lock);
	return true;
}

bool hg_quarantine_tag(const struct hg_chunk *c, uint32_t *tag)
{
	for (unsigned i = batch.n; i-- > 0;)
		if (batch.chunk[i] == c) {
			*tag = batch.tag[i];
			return true;
		}
	/* Without the lock: the heap check reports from inside
	 * hg_quarantine_each, which holds it, and a crash handler must not
	 * wait.  Newest first, within the held entries as they are read. */
	size_t h = __atomic_load_n(&head, __ATOMIC_RELAXED);
	size_t n = __atomic_load_n(&count, __ATOMIC_RELAXED);
	for (size_t i = n; i-- > 0;) {
		size_t at = (h + i) % HG_QUARANTINE_SLOTS;
		if (__atomic_load_n(&ring[at], __ATOMIC_RELAXED) == c) {
			*tag = __atomic_load_n(&tags[at], __ATOMIC_RELAXED);
			return true;
		}
	}
	return false;
}

size_t hg_quarantine_bytes(void)
{
	return __atomic_load_n(&bytes, __ATOMIC_RELAXED);
}

HG_FORK_CODE void hg_quarantine_fork_prepare(void)
{
	hg_lock_acquire(&lock);
}

HG_FORK_CODE void hg_quarantine_fork_parent(void)
{
	hg_lock_release(&lock);
}

HG_FORK_CODE void hg_quarantine_fork_child(bool locked)
{
	if (locked)
		hg_lock_reset(&lock);
	ring_inherited = count;
	batch_inherited = batch.n;
}
