/* SPDX-License-Identifier: MIT */
/* heapguard_check_heap(): every arena locked, every chunk's header, every
 * live chunk's canary (level=full), every quarantined chunk's fill, every
 * free list of every arena and of the calling thread's cache.  Also run at
 * exit, and from the handler of a fatal signal with try-locks only.
 * Reports each error found; returns how many.  At a fork child's exit,
 * only what the child can have damaged (see check_heap). */
#include <string.h>

#include "../lib/freelist.h"
#include "../lib/lib.h"
#include "../lib/tcache.h"
#include "../lib/walk.h"
#include "guard.h"
#include "quarantine.h"

/* The operation the diagnostics name: heapguard_check_heap(), or
 * HG_DIAG_AT_EXIT.  Per thread: two threads may check at once. */
static __thread const char *check_op __attribute__((tls_model("initial-exec")));

/* ctx: non-NULL when only the blocks of this process's own are checked. */
static bool visit_chunk(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	size_t head = hg_chunk_head(c);
	if (c == av->top || (head & HG_SIZE_MASK) <= HG_CHUNK_HDR)
		return true; /* top is checked on its own; fenceposts carry nothing */
	if ((head & HG_STATE_BITS) == HG_INUSE && hg_mp.full && (ctx == NULL || hg_chunk_is_own(c)))
		hg_guard_canary_ok(c, check_op);
	return true;
}

static void broken_chunk(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	(void)av;
	(void)ctx;
	hg_diag_heap_walk(hg_chunk2mem(c), check_op, c, c->head);
}

static void check_quarantined(struct hg_chunk *c, void *ctx)
{
	(void)ctx;
	hg_guard_fill_ok(c, check_op);
}

static void check_mmapped(struct hg_chunk *c)
{
	size_t head = hg_chunk_head(c);
	if (hg_chunk_bad_checksum(c, head))
		hg_diag_mmap_header(hg_chunk2mem(c), check_op, head, c->prev_size);
	else if ((head & HG_STATE_BITS) == HG_INUSE && hg_mp.full)
		hg_guard_canary_ok(c, check_op);
}

static void check_own_mmapped(struct hg_chunk *c)
{
	if (hg_chunk_is_own(c))
		check_mmapped(c);
}

/* A fork child that knows its blocks (hg_own_log): each of them that is
 * still its own, its canary and the header after it (where an overflow
 * out of it lands).  A logged chunk freed since, merged or split, no
 * longer verifies as an allocated block of this generation: skipped. */
static void check_own_logged(struct hg_chunk *const *log, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct hg_chunk *c = log[i];
		if (!hg_region_heap_chunk(c))
			continue;
		size_t head = hg_chunk_head(c);
		if (hg_chunk_bad_checksum(c, head) || (head & HG_IS_MMAPPED) ||
		    (head & HG_STATE_BITS) != HG_INUSE || !hg_chunk_is_own(c))
			continue;
		struct hg_chunk *next = hg_chunk_at(c, head & HG_SIZE_MASK);
		if (!hg_region_heap_chunk(next)) {
			continue;
		} else if (hg_chunk_bad_checksum(next, hg_chunk_head(next))) {
			hg_diag_heap_walk(hg_chunk2mem(next), check_op, next, next->head);
			continue;
		}
		if (hg_mp.full)
			hg_guard_canary_ok(c, check_op);
	}
}

/* When the check runs: which locks it may wait for, and what it sees. */
enum check_when {
	CHECK_ON_CALL, /* heapguard_check_heap(): waits for every lock */
	CHECK_AT_EXIT, /* never waits for ever (see hg_arena_try_lock_all) */
	CHECK_DYING,   /* from a fatal signal's handler: try-locks only */
};

static unsigned long errors_since(unsigned long before)
{
	return __atomic_load_n(&hg_errors_reported, __ATOMIC_RELAXED) - before;
}

/* At a fork child's exit the parent's blocks and frees are the parent's to
 * check: the quarantine holds only those (hg_guard_exit released the
 * child's), canaries are checked on the child's blocks only, a child that
 * holds none (hg_generation_idle) walks no heap at all, and one that knows
 * its blocks (hg_own_log) checks those and the headers after them instead
 * of walking the heap and its free lists: its exit costs what it did, not
 * the heap it inherited.  What goes unseen: a write by the child into
 * memory its parent freed, or into an inherited block it neither frees nor
 * reallocates (heapguard(7), FORK).  Returns the errors found, or -1
 * (CHECK_DYING only) when a lock stayed held. */
static int check_heap(const char *op, enum check_when when)
{
	check_op = op;
	unsigned long before = __atomic_load_n(&hg_errors_reported, __ATOMIC_RELAXED);
	bool child = when == CHECK_AT_EXIT && hg_generation > 0;
	if (when == CHECK_DYING) {
		if (!hg_quarantine_try_each(check_quarantined, NULL) ||
		    !hg_region_mmap_try_each(check_mmapped))
			return -1;
	} else if (!child) {
		hg_quarantine_each(check_quarantined, NULL);
	}
	hg_tcache_check(&hg_self, op);
	if (child && hg_generation_idle())
		return (int)errors_since(before);
	if (when != CHECK_DYING)
		hg_region_mmap_each(child ? check_own_mmapped : check_mmapped);
	if (when == CHECK_ON_CALL)
		hg_arena_lock_all();
	else if (!hg_arena_try_lock_all())
		return when == CHECK_DYING ? -1 : (int)errors_since(before);
	struct hg_chunk *const *log;
	size_t nlog;
	bool logged = child && hg_own_log_compact(&log, &nlog);
	if (logged)
		check_own_logged(log, nlog);
	else
		hg_walk_heap(visit_chunk, broken_chunk, child ? &child : NULL);
	struct hg_arena *av = &hg_main_arena;
	do {
		if (av->top != &av->initial_top)
			hg_check_top(av, op);
		/* The free lists are the parent's but for what the child freed,
		 * each of which was checked as it was freed. */
		struct hg_freelist_walk lists = { op, NULL, NULL };
		if (!logged)
			hg_freelist_walk(av, &lists);
		av = av->next;
	} while (av != &hg_main_arena);
	hg_arena_unlock_all();
	return (int)errors_since(before);
}

int hg_guard_check_heap(const char *op)
{
	return check_heap(op, CHECK_ON_CALL);
}

int hg_guard_check_heap_at_exit(void)
{
	return check_heap(HG_DIAG_AT_EXIT, CHECK_AT_EXIT);
}

int hg_guard_check_heap_dying(const char *op)
{
	return check_heap(op, CHECK_DYING);
}
