/* SPDX-License-Identifier: MIT */
/* The side table of blocks' owners; see owners.h.  Its memory comes from
 * anonymous mappings, never from the heap, and is published with a
 * compare-and-swap, so two threads arming the first blocks of a window at
 * once agree on one and nothing waits on a lock (a fork, a signal handler
 * or a dying process find no half-done insert).  Windows are carved from
 * pools that double in size, so a growing heap maps its table in a few
 * calls. */
#include "owners.h"

#include <sys/resource.h>

#include "../base/os.h"

uint32_t **hg_owner_root[HG_OWNER_TOP];
static size_t mapped_bytes;

#define MID_BYTES (HG_OWNER_MID * sizeof(uint32_t *))
#define WINDOW_BYTES (HG_OWNER_WINDOW_SLOTS * sizeof(uint32_t))

/* Every pool and middle array, once installed: appended without a lock,
 * read by the leak scan with the world stopped (an entry whose hi is still
 * 0 is skipped, and its memory scanned as before). */
static struct {
	uintptr_t lo, hi;
} ranges[HG_OWNER_RANGES_MAX];
static unsigned nranges;

static void note_range(const void *p, size_t len)
{
	unsigned i = __atomic_fetch_add(&nranges, 1, __ATOMIC_RELAXED);
	if (i >= HG_OWNER_RANGES_MAX)
		return;
	ranges[i].lo = (uintptr_t)p;
	__atomic_store_n(&ranges[i].hi, (uintptr_t)p + len, __ATOMIC_RELEASE);
}

unsigned hg_owner_memory(uintptr_t lo[HG_OWNER_RANGES_MAX], uintptr_t hi[HG_OWNER_RANGES_MAX])
{
	unsigned n = __atomic_load_n(&nranges, __ATOMIC_ACQUIRE), out = 0;
	for (unsigned i = 0; i < n && i < HG_OWNER_RANGES_MAX; i++) {
		uintptr_t h = __atomic_load_n(&ranges[i].hi, __ATOMIC_ACQUIRE);
		if (h == 0)
			continue;
		lo[out] = ranges[i].lo;
		hi[out++] = h;
	}
	return out;
}

/* Set when the table stopped growing: blocks in windows it has not
 * mapped get no slot (their trailer keeps its copy of the owners). */
static bool stopped;

/* Under a finite RLIMIT_AS the table takes at most 1/128 of it: a program
 * that allocates up to its limit gets nearly as many blocks as without
 * the table (each slot array is an eighth of the heap it covers). */
static bool within_budget(size_t len)
{
	struct rlimit limit;
	if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
		return true;
	return __atomic_load_n(&mapped_bytes, __ATOMIC_RELAXED) + len <= limit.rlim_cur / 128;
}

/* A fresh mapping of len bytes, within the budget; NULL (and the table
 * stops growing) when there is none. */
static void *map_counted(size_t len)
{
	if (__atomic_load_n(&stopped, __ATOMIC_RELAXED))
		return NULL;
	void *fresh = within_budget(len) ? hg_os_map(len, false) : NULL;
	if (fresh == NULL) {
		__atomic_store_n(&stopped, true, __ATOMIC_RELAXED);
		return NULL;
	}
	__atomic_fetch_add(&mapped_bytes, len, __ATOMIC_RELAXED);
	return fresh;
}

/* Windows are carved from pools of 1, 2, 4 ... 32 windows, one mapping
 * each: a heap that grows by 32 MiB maps its table in a handful of calls
 * (malloc is not a system call), while a small process maps one window. */
#define POOL_WINDOWS_MAX 32
struct pool {
	size_t windows;				/* how many it holds */
	size_t used;				/* bytes handed out (may run past the end) */
	_Alignas(64) char mem[];
};
static struct pool *current_pool;
/* A window carved but not installed (another thread installed its own
 * first): zero still, handed out next. */
static void *spare;

static void *carve(void)
{
	void *w = __atomic_exchange_n(&spare, NULL, __ATOMIC_ACQ_REL);
	if (w != NULL)
		return w;
	for (;;) {
		struct pool *p = __atomic_load_n(&current_pool, __ATOMIC_ACQUIRE);
		if (p != NULL) {
			size_t off = __atomic_fetch_add(&p->used, WINDOW_BYTES, __ATOMIC_RELAXED);
			if (off + WINDOW_BYTES <= p->windows * WINDOW_BYTES)
				return p->mem + off;
		}
		size_t windows = p == NULL ? 1 : p->windows * 2;
		if (windows > POOL_WINDOWS_MAX)
			windows = POOL_WINDOWS_MAX;
		struct pool *fresh = NULL;
		for (; windows > 0 && fresh == NULL; windows /= 2) {
			if (!within_budget(sizeof(struct pool) + windows * WINDOW_BYTES))
				continue;
			fresh = map_counted(sizeof(struct pool) + windows * WINDOW_BYTES);
			if (fresh == NULL)
				return NULL;
			fresh->windows = windows;
		}
		if (fresh == NULL) {
			__atomic_store_n(&stopped, true, __ATOMIC_RELAXED);
			return NULL;
		}
		if (__atomic_compare_exchange_n(&current_pool, &p, fresh, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			note_range(fresh, sizeof(struct pool) + fresh->windows * WINDOW_BYTES);
		} else {
			__atomic_fetch_sub(&mapped_bytes,
					   sizeof(struct pool) + fresh->windows * WINDOW_BYTES,
					   __ATOMIC_RELAXED);
			hg_os_unmap(fresh, sizeof(struct pool) + fresh->windows * WINDOW_BYTES);
		}
	}
}

/* *where, or what was installed there, by us or another thread. */
static void *install(void **where, bool window)
{
	void *have = __atomic_load_n(where, __ATOMIC_ACQUIRE);
	if (have != NULL)
		return have;
	void *fresh = window ? carve() : map_counted(MID_BYTES);
	if (fresh == NULL)
		return NULL;
	if (__atomic_compare_exchange_n(where, &have, fresh, false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		if (!window)
			note_range(fresh, MID_BYTES);
		return fresh;
	}
	if (window) {
		void *none = NULL;
		__atomic_compare_exchange_n(&spare, &none, fresh, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
	} else {
		__atomic_fetch_sub(&mapped_bytes, MID_BYTES, __ATOMIC_RELAXED);
		hg_os_unmap(fresh, MID_BYTES);
	}
	return have;
}

uint32_t *hg_owner_slot_make(uintptr_t a)
{
	if (a >> 47)
		return NULL;
	uint32_t **mid = install((void **)&hg_owner_root[a >> HG_OWNER_TOP_SHIFT], false);
	if (mid == NULL)
		return NULL;
	uint32_t *window =
		install((void **)&mid[(a >> HG_OWNER_WINDOW_SHIFT) & (HG_OWNER_MID - 1)], true);
	if (window == NULL)
		return NULL;
	return &window[(a >> HG_OWNER_GRANULE_SHIFT) & (HG_OWNER_WINDOW_SLOTS - 1)];
}

__thread struct hg_owner_cache hg_owner_cache;

uint32_t *hg_owner_slot_miss(uintptr_t a, bool make)
{
	uint32_t *slot = make ? hg_owner_slot_make(a) : hg_owner_slot(a);
	if (slot != NULL) {
		uintptr_t i = (a >> HG_OWNER_GRANULE_SHIFT) & (HG_OWNER_WINDOW_SLOTS - 1);
		hg_owner_cache.window = slot - i;
		hg_owner_cache.key = (a >> HG_OWNER_WINDOW_SHIFT) + 1;
	}
	return slot;
}

void hg_owner_split(uint32_t word, uint32_t *stack, unsigned *thread)
{
	uint32_t id = word & HG_OWNER_STACK_MASK;
	*stack = id == HG_OWNER_STACK_MASK ? HG_STACK_INTERNAL : id;
	*thread = word >> HG_OWNER_STACK_BITS;
}

bool hg_owner_get(uintptr_t chunk, struct hg_owners *o)
{
	const uint32_t *slot = hg_owner_slot(chunk);
	uint32_t v = slot != NULL ? __atomic_load_n(slot, __ATOMIC_RELAXED) : 0;
	hg_owner_split(v, &o->alloc_stack, &o->alloc_thread);
	return v != 0;
}

size_t hg_owner_mapped(void)
{
	return __atomic_load_n(&mapped_bytes, __ATOMIC_RELAXED);
}
