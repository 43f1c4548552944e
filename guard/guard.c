/* SPDX-License-Identifier: MIT */
/* The checks behind guard.h.  Reads chunks through lib/chunk.h and lib's
 * registry of its memory; changes nothing but a chunk's state bits. */
#include "guard.h"

#include <string.h>

#include "../lib/lib.h"
#include "../lib/walk.h"
#include "owners.h"
#include "quarantine.h"
#include "protect.h"
#include "sample.h"
#include "../stack/peak.h"
#include "../stack/stack.h"

/* ---- releasing a pointer ---- */

/* The calls that only read a block: a freed one given to them is a use
 * after free, not a second free. */
static bool reads_only(const char *op)
{
	return strcmp(op, "malloc_usable_size") == 0;
}

/* Why mem can't be released: a precise report, out of line. */
__attribute__((cold, noinline)) static void explain_bad_release(void *mem, const char *op,
								 bool readable)
{
	struct hg_chunk *p = hg_mem2chunk(mem);
	bool use = reads_only(op);
	if (hg_misaligned(mem)) {
		hg_diag_free_misaligned(mem, op);
		return;
	}
	if (!readable) {
		if (hg_region_mmap_was(p) && use)
			hg_diag_use_after_free(mem, NULL, op, HG_DIAG_FREED_UNMAPPED);
		else if (hg_region_mmap_was(p))
			hg_diag_double_free_unmapped(mem, op);
		else
			hg_diag_free_foreign(mem, op);
		return;
	}
	size_t head = hg_chunk_head(p);
	if (hg_chunk_bad_checksum(p, head) && hg_region_mmap_has(p)) {
		hg_diag_mmap_header(mem, op, head, p->prev_size);
		return;
	}
	if (hg_chunk_bad_checksum(p, head)) {
		/* A chunk whose header was overwritten, or no chunk at all: the
		 * heap walk from a trusted start tells them apart. */
		struct hg_chunk *found;
		switch (hg_walk_locate((uintptr_t)p, &found)) {
		case HG_AT_CHUNK:
			hg_diag_header_overwritten(mem, op, head);
			return;
		case HG_INSIDE_CHUNK:
			hg_diag_free_interior(mem, found, op,
					      (size_t)((char *)mem - (char *)hg_chunk2mem(found)));
			return;
		case HG_AFTER_BROKEN:
			hg_diag_header_after_broken(mem, op, found);
			return;
		case HG_NOT_FOUND:
			break;
		}
		hg_diag_free_no_chunk(mem, op, head);
		return;
	}
	if (use) {
		hg_diag_use_after_free(mem, p, op,
				       (head & HG_QUARANTINED) ? HG_DIAG_FREED_QUARANTINED
				       : (head & HG_ISOLATED)  ? HG_DIAG_FREED_ISOLATED
							       : HG_DIAG_FREED_CACHED);
		return;
	}
	if (head & HG_QUARANTINED) {
		hg_diag_double_free_quarantined(mem, p, op);
		return;
	}
	if (head & HG_ISOLATED) {
		hg_diag_double_free_isolated(mem, p, op);
		return;
	}
	hg_diag_double_free(mem, p, op, hg_chunk_size(p) <= hg_mp.max_fast);
}

bool hg_guard_check_release(void *mem, const char *op)
{
	struct hg_chunk *p = hg_mem2chunk(mem);
	bool readable = false;
	if (HG_UNLIKELY(hg_sample_has(mem)))
		return hg_sample_check_release(mem, op);
	if (hg_misaligned(mem))
		goto bad;
	/* A heap chunk, or an mmap'd one (memalign'd ones start anywhere in
	 * their mapping, so the registry is asked whatever the offset). */
	readable = hg_region_heap_chunk(p) || hg_region_mmap_has(p);
	if (!readable)
		goto bad;
	size_t head = hg_chunk_head(p);
	if (hg_chunk_bad_checksum(p, head) || (head & HG_STATE_BITS) != HG_INUSE)
		goto bad;
	size_t size = head & HG_SIZE_MASK;
	if (HG_UNLIKELY(size < HG_MINSIZE || (uintptr_t)p > (uintptr_t)-size)) {
		hg_diag_size_impossible(mem, op, size);
		return false;
	}
	if ((head & HG_IS_MMAPPED) && !hg_region_mmap_has(p)) {
		hg_diag_mmap_unknown(mem, op);
		return false;
	}
	return true;
bad:
	explain_bad_release(mem, op, readable);
	return false;
}

/* ---- level=full: trailer, canary, requested size ---- */

static struct hg_trailer *trailer_of(const struct hg_chunk *c)
{
	return (struct hg_trailer *)((char *)hg_chunk2mem(c) + hg_chunk_usable(c) -
				     HG_TRAILER_SIZE);
}

static uint32_t trailer_check(const struct hg_chunk *c, const struct hg_trailer *t)
{
	uint64_t stacks = (uint64_t)t->alloc_stack << 32 | t->free_stack;
	uint64_t rest = (uint64_t)t->slack << 32 | (uint32_t)t->alloc_thread << 16 | t->free_thread;
	return (uint32_t)hg_checksum(c, stacks) << 16 ^ hg_checksum((const char *)c + 8, rest) ^
	       0x5a5au;
}

/* The trailer is ours: its check verifies and its slack fits the chunk. */
static bool trailer_ok(const struct hg_chunk *c, const struct hg_trailer *t)
{
	return t->slack <= hg_chunk_usable(c) - HG_TRAILER_SIZE && t->check == trailer_check(c, t);
}

void hg_guard_arm(struct hg_chunk *c, size_t requested)
{
	if (HG_UNLIKELY(hg_sample_has(c))) {
		hg_sample_arm(c, requested);
		return;
	}
	size_t room = hg_chunk_usable(c) - HG_TRAILER_SIZE;
	size_t slack = room - requested;
	struct hg_trailer *t = trailer_of(c);
	t->slack = slack > UINT32_MAX ? UINT32_MAX : (uint32_t)slack;
	t->alloc_stack = hg_stack_capture();
	hg_peak_block(t->alloc_stack, (ptrdiff_t)hg_chunk_size(c));
	t->free_stack = 0;
	t->alloc_thread = hg_self.number;
	t->free_thread = 0;
	t->check = trailer_check(c, t);
	/* A block mmap'd on its own keeps its owners in its trailer only (an
	 * overrun of it can still take them): the kernel places each mapping
	 * anywhere, and a window for each would cost a system call and 256
	 * KiB of address space per big block. */
	if (!hg_chunk_is_mmapped(c))
		hg_owner_set_alloc((uintptr_t)c, t->alloc_stack, t->alloc_thread);
	memset((char *)hg_chunk2mem(c) + requested, HG_CANARY_BYTE,
	       slack > UINT32_MAX ? 0 : slack);
	/* Only now is there a canary to check (a walk at exit, or in a forked
	 * child, may meet chunks another thread has not armed yet). */
	hg_chunk_set_state(c, 0, HG_ARMED);
}

void hg_guard_end_block(struct hg_chunk *c)
{
	struct hg_origin o;
	if ((hg_chunk_state(c) & HG_ARMED) && hg_chunk_origin(c, &o))
		hg_peak_block(o.alloc_stack, -(ptrdiff_t)hg_chunk_size(c));
}

bool hg_chunk_origin(const struct hg_chunk *c, struct hg_origin *o)
{
	if (HG_UNLIKELY(hg_sample_has(c)))
		return hg_sample_origin(c, o);
	if (hg_config.options.level == 0 || !(hg_chunk_state(c) & (HG_ARMED | HG_QUARANTINED)))
		return false;
	const struct hg_trailer *t = trailer_of(c);
	if (!trailer_ok(c, t))
		return false;
	o->requested = hg_chunk_usable(c) - HG_TRAILER_SIZE - t->slack;
	o->alloc_stack = t->alloc_stack;
	o->free_stack = t->free_stack;
	o->alloc_thread = t->alloc_thread;
	o->free_thread = t->free_thread;
	return true;
}

void hg_guard_forget(const struct hg_chunk *c)
{
	hg_owner_forget((uintptr_t)c);
}

/* The chunk this thread is taking out of the quarantine, and its free
 * owner's word: out of the ring, where hg_chunk_owners looks for it. */
static __thread struct {
	const struct hg_chunk *chunk;
	uint32_t free_word;
} leaving __attribute__((tls_model("initial-exec")));

bool hg_chunk_owners(const struct hg_chunk *c, struct hg_origin *o)
{
	struct hg_owners w;
	if (hg_config.options.level == 0 || !hg_owner_get((uintptr_t)c, &w))
		return false;
	o->alloc_stack = w.alloc_stack;
	o->alloc_thread = (uint16_t)w.alloc_thread;
	uint32_t word = 0;
	unsigned thread;
	if (c == leaving.chunk)
		word = leaving.free_word;
	else
		hg_quarantine_tag(c, &word);
	hg_owner_split(word, &o->free_stack, &thread);
	o->free_thread = (uint16_t)thread;
	return true;
}

bool hg_chunk_requested(const struct hg_chunk *c, size_t *requested)
{
	struct hg_origin o;
	if (!hg_chunk_origin(c, &o))
		return false;
	*requested = o.requested;
	return true;
}

static bool canary_bad(struct hg_chunk *c, const char *op, size_t requested, size_t bad);

static bool canary_ok(struct hg_chunk *c, const char *op, bool end_block)
{
	if (HG_UNLIKELY(hg_sample_has(c)))
		return hg_sample_canary_ok(c, op, end_block);
	if (!(hg_chunk_state(c) & HG_ARMED))
		return true;
	void *mem = hg_chunk2mem(c);
	struct hg_trailer *t = trailer_of(c);
	size_t room = hg_chunk_usable(c) - HG_TRAILER_SIZE;
	if (!trailer_ok(c, t)) {
		hg_diag_trailer(mem, c, op, (size_t)((char *)t - (char *)mem));
		hg_chunk_set_state(c, 0, HG_ISOLATED);
		return false;
	}
	if (t->slack != UINT32_MAX) {
		size_t requested = room - t->slack;
		const unsigned char *canary = (const unsigned char *)mem + requested;
		size_t bad = hg_first_mismatch(canary, t->slack, HG_CANARY_BYTE);
		if (bad != t->slack)
			return canary_bad(c, op, requested, bad);
	}
	/* hg_guard_end_block's work, with the trailer just verified. */
	if (end_block && hg_config.options.level != 0)
		hg_peak_block(t->alloc_stack, -(ptrdiff_t)hg_chunk_size(c));
	return true;
}

bool hg_guard_canary_ok(struct hg_chunk *c, const char *op)
{
	return canary_ok(c, op, false);
}

bool hg_guard_release_ok(struct hg_chunk *c, const char *op)
{
	return canary_ok(c, op, true);
}

__attribute__((cold, noinline)) static bool canary_bad(struct hg_chunk *c, const char *op,
						       size_t requested, size_t bad)
{
	void *mem = hg_chunk2mem(c);
	const unsigned char *canary = (const unsigned char *)mem + requested;
	hg_diag_canary(mem, c, op, requested, requested + bad, canary[bad], HG_CANARY_BYTE);
	hg_chunk_set_state(c, 0, HG_ISOLATED);
	return false;
}

/* ---- level=full: fill and quarantine ---- */

/* MALLOC_PERTURB_'s byte as it was at start-up, or heapguard's own: fixed,
 * so chunks already in the quarantine keep the byte they were filled with
 * even if mallopt(M_PERTURB) changes later. */
static unsigned char fill_byte(void)
{
	return hg_mp.start_perturb ? hg_mp.start_perturb : HG_FILL_BYTE;
}

/* Bytes of a freed block that are filled and checked: its start (where
 * stale pointers to structures write), up to fill_max. */
static size_t fill_length(const struct hg_chunk *c)
{
	size_t len = hg_chunk_usable(c) - HG_TRAILER_SIZE;
	size_t max = (size_t)hg_config.options.fill_max;
	uintptr_t lo, hi;
	/* A big block's protected pages hold no fill: only what is before them. */
	if (len >= HG_PROTECT_MIN_PAGES * hg_page_size && hg_protect_range(c, &lo, &hi) && hg_protect_holds(c))
		len = lo - (uintptr_t)hg_chunk2mem(c);
	return len < max ? len : max;
}

/* The fill of a freed block changed from offset first: the report names
 * the last changed byte too, and the bytes found. */
__attribute__((cold, noinline)) static void fill_bad(struct hg_chunk *c, const char *op,
						     size_t first, size_t len, unsigned char fill)
{
	const unsigned char *mem = hg_chunk2mem(c);
	size_t last = len - 1;
	while (last > first && mem[last] == fill)
		last--;
	hg_diag_freed_fill(mem, c, op, first, last, mem + first, fill);
	hg_chunk_set_state(c, HG_QUARANTINED, HG_ISOLATED);
}

/* A chunk leaves the quarantine: its header and fill must be as we left
 * them, or something wrote to it after it was freed. */
bool hg_guard_fill_ok(struct hg_chunk *c, const char *op)
{
	void *mem = hg_chunk2mem(c);
	size_t head = hg_chunk_head(c);
	if (hg_chunk_bad_checksum(c, head) || (head & HG_STATE_BITS) != HG_QUARANTINED) {
		hg_diag_freed_header(mem, op, head);
		return false;
	}
	size_t len = fill_length(c);
	unsigned char fill = fill_byte();
	size_t bad = hg_first_mismatch(mem, len, fill);
	if (bad == len) {
		if (trailer_ok(c, trailer_of(c)))
			return true;
		hg_diag_freed_trailer(mem, c, op, hg_chunk_usable(c) - HG_TRAILER_SIZE,
				      HG_TRAILER_SIZE, (const unsigned char *)trailer_of(c));
		hg_chunk_set_state(c, HG_QUARANTINED, HG_ISOLATED);
		return false;
	}
	fill_bad(c, op, bad, len, fill);
	return false;
}

static void leave_quarantine_for(struct hg_chunk *c, uint32_t free_word, const char *op)
{
	leaving.chunk = c;
	leaving.free_word = free_word;
	bool ok = hg_guard_fill_ok(c, op);
	leaving.chunk = NULL;
	hg_protect_release(c);
	if (!ok)
		return;
	hg_owner_forget((uintptr_t)c);
	hg_chunk_set_state(c, HG_QUARANTINED, 0);
	hg_release_freed(c, op);
}

/* Pushed out by a later free. */
static void leave_quarantine(struct hg_chunk *c, uint32_t free_word)
{
	leave_quarantine_for(c, free_word, "free");
}

/* Emptied at exit: no call of the program's found what is wrong. */
static void leave_quarantine_at_exit(struct hg_chunk *c, uint32_t free_word)
{
	leave_quarantine_for(c, free_word, HG_DIAG_AT_EXIT);
}

/* What merging would have checked, read without the arena lock: the
 * chunk before c if its header says that one is free, and the header
 * after c.  A concurrent update can only make this fail, never pass.
 * But while other threads run, the chunk before may be taken, and even
 * freed into the quarantine, between the reads of c's header and of its
 * prev_size: the stale size then leads into that block's inaccessible
 * pages (protect.h), and the read would fault there.  Then only the
 * arena's lock makes the chunk before safe to read. */
static bool neighbours_look_ok(const struct hg_chunk *c)
{
	if (!hg_chunk_prev_inuse(c)) {
		if (!__libc_single_threaded)
			return false;
		size_t prevsize = c->prev_size;
		const struct hg_chunk *prev = hg_chunk_at(c, -prevsize);
		if (prevsize < HG_MINSIZE || (prevsize & HG_ALIGN_MASK) != 0 ||
		    prevsize >= (uintptr_t)c || !hg_free_chunk_ok(prev) ||
		    hg_chunk_size(prev) != prevsize)
			return false;
	}
	return hg_chunk_header_ok(hg_chunk_next(c));
}

/* Before a chunk waits in the quarantine (where it does not merge with
 * anything), check what merging would have checked.  Only when the quick
 * look fails is it done again under the arena's lock, with a report. */
static bool neighbours_ok(struct hg_chunk *c)
{
	if (hg_chunk_is_mmapped(c) || neighbours_look_ok(c))
		return true;
	struct hg_arena *av = hg_arena_of_chunk(c);
	hg_arena_lock(av);
	bool ok = hg_free_prev_ok(c) &&
		  hg_next_header_ok(hg_chunk_next(c), "free", false);
	hg_arena_unlock(av);
	return ok;
}

void hg_guard_quarantine(struct hg_chunk *c)
{
	if (!neighbours_ok(c)) {
		hg_chunk_set_state(c, 0, HG_ISOLATED);
		return;
	}
	/* Disarm first: the fill covers the canary, and a heap check (at exit,
	 * or in a child forked right now) must not read the chunk half-filled. */
	hg_chunk_set_state(c, HG_ARMED, 0);
	struct hg_trailer *t = trailer_of(c);
	t->free_stack = hg_stack_capture();
	t->free_thread = hg_self.number;
	t->check = trailer_check(c, t);
	hg_protect_block(c);
	memset(hg_chunk2mem(c), fill_byte(), fill_length(c));
	hg_chunk_set_state(c, HG_INUSE, HG_QUARANTINED);
	size_t limit = (size_t)hg_config.options.quarantine;
	/* The free owner's copy out of the block's reach rides with it in
	 * the quarantine (the side table has the allocation's). */
	hg_quarantine_put(c, hg_chunk_size(c), hg_owner_word(t->free_stack, t->free_thread),
			  limit, leave_quarantine);
}

void hg_guard_thread_exit(void)
{
	if (hg_mp.full) {
		hg_quarantine_thread_exit((size_t)hg_config.options.quarantine, leave_quarantine);
		hg_peak_flush();
	}
}

/* At exit: every quarantined chunk's fill is checked (it is released, so
 * allocations made by later destructors still work).  A fork child checks
 * only its own frees: the parent checks its own at its exit. */
void hg_guard_exit(void)
{
	/* exit() may come from a signal handler that interrupted malloc in
	 * this thread: if an arena stays locked, check nothing. */
	if (!hg_arena_try_lock_all())
		return;
	hg_arena_unlock_all();
	if (hg_mp.full)
		hg_quarantine_drain(leave_quarantine_at_exit, hg_generation > 0);
	hg_guard_check_heap_at_exit();
}
