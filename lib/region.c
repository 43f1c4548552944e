/* SPDX-License-Identifier: MIT */
/* The registry of heapguard's chunk memory; see region.h.  All of it lives
 * in static or internally mmap'd memory: nothing here calls malloc. */
#include "region.h"

#include "internal.h"
#include "../base/compiler.h"

HG_START_STATE struct hg_segment hg_region_first;
struct hg_header_span hg_region_first_headers = { UINTPTR_MAX, 0 };
uint64_t hg_region_heap_bits[HG_HEAP_SLOTS / 64];
HG_START_STATE bool hg_region_heaps_seen;

/* Further main-arena segments (after brk failed or was moved by someone
 * else): rare, so a short list.  Past its end, pointers there are trusted
 * as before the registry existed (counted in hg_region_untracked). */
#define HG_MAX_SEGMENTS 1024
static struct hg_segment segments[HG_MAX_SEGMENTS];
static unsigned nsegments;
static bool untracked_segments;

/* Segments are appended in address order only by chance, so the search is
 * linear; the last hit is tried first, as lookups cluster. */
static unsigned last_hit;

/* A header at a fits in seg.  Written without a + 16, which wraps for
 * a pointer near the top of the address space (free(NULL) asks about
 * the header at (char *)0 - 16). */
static bool in_segment(const struct hg_segment *seg, uintptr_t a)
{
	return a >= seg->lo && a < seg->hi && seg->hi - a >= 2 * sizeof(size_t);
}

bool hg_region_in_other_segments(uintptr_t a)
{
	unsigned n = __atomic_load_n(&nsegments, __ATOMIC_ACQUIRE);
	unsigned hint = __atomic_load_n(&last_hit, __ATOMIC_RELAXED);
	if (hint < n && in_segment(&segments[hint], a))
		return true;
	for (unsigned i = 0; i < n; i++) {
		if (in_segment(&segments[i], a)) {
			__atomic_store_n(&last_hit, i, __ATOMIC_RELAXED);
			return true;
		}
	}
	return untracked_segments;
}

unsigned hg_region_other_segments(const struct hg_segment **out)
{
	*out = segments;
	return __atomic_load_n(&nsegments, __ATOMIC_ACQUIRE);
}

/* The first segment changed: the span its headers may start in. */
static void first_changed(void)
{
	uintptr_t lo = hg_region_first.lo, hi = hg_region_first.hi;
	if (hi - lo < 2 * sizeof(size_t))
		return;
	__atomic_store_n(&hg_region_first_headers.last, hi - 2 * sizeof(size_t), __ATOMIC_RELAXED);
	__atomic_store_n(&hg_region_first_headers.first, lo, __ATOMIC_RELAXED);
}

/* Called under the main arena's lock. */
void hg_region_main_grew(uintptr_t lo, uintptr_t hi, bool new_segment)
{
	if (hg_region_first.hi == 0) {
		hg_region_first.lo = lo;
		hg_region_first.hi = hi;
		first_changed();
		return;
	}
	unsigned n = nsegments;
	if (!new_segment) {
		if (n == 0) {
			hg_region_first.hi = hi;
			first_changed();
		} else
			segments[n - 1].hi = hi;
		return;
	}
	if (n == HG_MAX_SEGMENTS) {
		untracked_segments = true;
		return;
	}
	segments[n].lo = lo;
	segments[n].hi = hi;
	__atomic_store_n(&nsegments, n + 1, __ATOMIC_RELEASE);
}

void hg_region_main_shrank(uintptr_t new_hi)
{
	if (nsegments == 0) {
		hg_region_first.hi = new_hi;
		first_changed();
	} else
		segments[nsegments - 1].hi = new_hi;
}

void hg_region_heap_mark(const void *heap, bool live)
{
	uintptr_t slot = (uintptr_t)heap >> HG_HEAP_SHIFT;
	uint64_t bit = (uint64_t)1 << (slot % 64);
	if (live && !hg_region_heaps_seen)
		__atomic_store_n(&hg_region_heaps_seen, true, __ATOMIC_RELEASE);
	if (live)
		__atomic_fetch_or(&hg_region_heap_bits[slot / 64], bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&hg_region_heap_bits[slot / 64], ~bit, __ATOMIC_RELEASE);
}


/* ---- mmap'd chunks: open addressing, linear probing, tombstones ----
 * Every exit walks the whole table (the heap check, the leak scan, the
 * fragmentation report; in a fork child too): it starts at one page, and
 * a table mostly of tombstones is rebuilt at its size rather than doubled,
 * so that a program that maps and frees big blocks one at a time keeps a
 * table the size of what it holds. */

#define HG_TOMBSTONE ((uintptr_t)1)
#define HG_MMAP_SLOTS_FIRST 512 /* a page */
static struct hg_lock mmap_lock = HG_LOCK_INIT;
static uintptr_t *table;
static size_t capacity, used, live; /* used: live entries and tombstones */

static size_t slot_of(uintptr_t key, size_t cap)
{
	return (size_t)((key >> 4) * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
}

static void insert_locked(uintptr_t key)
{
	size_t i = slot_of(key, capacity);
	while (table[i] != 0 && table[i] != HG_TOMBSTONE)
		i = (i + 1) & (capacity - 1);
	if (table[i] == 0)
		used++;
	live++;
	table[i] = key;
}

/* Room for one more: twice the size, or the same size without its
 * tombstones when live entries fill at most a quarter of it. */
static bool grow_locked(void)
{
	size_t new_cap = capacity == 0		    ? HG_MMAP_SLOTS_FIRST
			 : (live + 1) * 4 > capacity ? capacity * 2
						     : capacity;
	uintptr_t *new_table = hg_os_map(new_cap * sizeof(uintptr_t), false);
	if (new_table == NULL)
		return false;
	uintptr_t *old = table;
	size_t old_cap = capacity;
	table = new_table;
	capacity = new_cap;
	used = live = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i] > HG_TOMBSTONE)
			insert_locked(old[i]);
	if (old != NULL)
		hg_os_unmap(old, old_cap * sizeof(uintptr_t));
	return true;
}

void hg_region_mmap_add(const struct hg_chunk *c)
{
	hg_lock_acquire(&mmap_lock);
	if ((used + 1) * 2 > capacity && !grow_locked()) {
		untracked_segments = true; /* can't track it: trust, don't crash */
		hg_lock_release(&mmap_lock);
		return;
	}
	insert_locked((uintptr_t)c);
	hg_lock_release(&mmap_lock);
}

static size_t find_locked(uintptr_t key)
{
	if (capacity == 0)
		return (size_t)-1;
	for (size_t i = slot_of(key, capacity), n = 0; n < capacity; i = (i + 1) & (capacity - 1), n++) {
		if (table[i] == key)
			return i;
		if (table[i] == 0)
			break;
	}
	return (size_t)-1;
}

/* The last mapped chunks that were unmapped, so that a second free of one
 * is named a double free rather than a pointer we never returned. */
#define HG_GONE_MAX 256
static uintptr_t gone[HG_GONE_MAX];
static unsigned gone_next;

void hg_region_mmap_remove(const struct hg_chunk *c)
{
	hg_lock_acquire(&mmap_lock);
	size_t i = find_locked((uintptr_t)c);
	if (i != (size_t)-1) {
		table[i] = HG_TOMBSTONE;
		live--;
	}
	gone[gone_next++ % HG_GONE_MAX] = (uintptr_t)c;
	hg_lock_release(&mmap_lock);
}

bool hg_region_mmap_was(const struct hg_chunk *c)
{
	bool found = false;
	hg_lock_acquire(&mmap_lock);
	for (unsigned i = 0; i < HG_GONE_MAX && !found; i++)
		found = gone[i] == (uintptr_t)c;
	hg_lock_release(&mmap_lock);
	return found;
}

bool hg_region_mmap_has(const struct hg_chunk *c)
{
	hg_lock_acquire(&mmap_lock);
	bool found = find_locked((uintptr_t)c) != (size_t)-1;
	hg_lock_release(&mmap_lock);
	return found || untracked_segments;
}

void hg_region_mmap_each(void (*visit)(struct hg_chunk *c))
{
	hg_lock_acquire(&mmap_lock);
	hg_region_mmap_each_locked(visit);
	hg_lock_release(&mmap_lock);
}

void hg_region_mmap_each_locked(void (*visit)(struct hg_chunk *c))
{
	for (size_t i = 0; i < capacity; i++)
		if (table[i] > HG_TOMBSTONE)
			visit((struct hg_chunk *)table[i]);
}

bool hg_region_mmap_try_each(void (*visit)(struct hg_chunk *c))
{
	for (long spins = 0; !hg_lock_try(&mmap_lock); spins++)
		if (spins > 1000000)
			return false;
	hg_region_mmap_each_locked(visit);
	hg_lock_release(&mmap_lock);
	return true;
}

size_t hg_region_mmap_slots(void)
{
	hg_lock_acquire(&mmap_lock);
	size_t n = capacity;
	hg_lock_release(&mmap_lock);
	return n;
}

struct hg_lock *hg_region_mmap_lock(void)
{
	return &mmap_lock;
}

HG_FORK_CODE void hg_region_fork_child(void)
{
	hg_lock_reset(&mmap_lock);
}
