/* SPDX-License-Identifier: MIT */
/* The stack depot: every distinct stack stored once, in memory of its own
 * (mmap'd, never the public heap), named by a 32-bit id.  Lookups are
 * lock-free (open addressing over ids published with release stores);
 * inserts take one lock.  It is bounded: past HG_DEPOT_MAX_STACKS stacks or
 * HG_DEPOT_MAX_BYTES of records, new stacks get id 0 and are counted. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>

#include "../lib/lib.h"
#include "../base/os.h"
#include "cfi.h"
#include "stack.h"
#include "unwind.h"

/* The hash table of ids (0 = empty) starts small and is rebuilt four
 * times larger at 3/4 full, up to HG_DEPOT_SLOTS_MAX; a replaced table is
 * kept (a lock-free reader may still be probing it). */
#define HG_DEPOT_SLOTS_MIN ((size_t)1 << 14)
#define HG_DEPOT_SLOTS_MAX ((size_t)1 << 22)
#define HG_DEPOT_TABLES 5			/* 2^14, 2^16, 2^18, 2^20, 2^22 */
#define HG_DEPOT_MAX_STACKS HG_STACK_IDS_MAX
_Static_assert(HG_STACK_IDS_MAX <= HG_DEPOT_SLOTS_MAX / 4 * 3, "ids fit the largest table");
#define HG_DEPOT_MAX_BYTES ((size_t)512 << 20)
#define HG_DEPOT_GROW ((size_t)1 << 20)	/* records are committed 1 MiB at a time */

struct depot_record {
	uint32_t hash;
	uint32_t depth;
	uintptr_t pcs[];
};

struct table {
	size_t mask;				/* slots - 1 */
	uint32_t slots[];
};
static struct table *table;			/* the current one */
static struct table *tables[HG_DEPOT_TABLES];	/* all, for the leak scan */
static unsigned ntables;
static uint64_t *offsets;			/* id -> record offset in pool */
static struct hg_stack_live *live;		/* id -> its live blocks (level=full) */
static char *pool;				/* HG_DEPOT_MAX_BYTES reserved */
static size_t pool_used, pool_committed;
static uint32_t stacks;				/* ids 1..stacks are in use */
static struct hg_lock insert_lock = HG_LOCK_INIT;
static bool depot_broken;			/* could not map its memory */
static size_t captures_total, hits_total, dropped_total;

static size_t table_bytes(size_t nslots)
{
	return sizeof(struct table) + nslots * sizeof(uint32_t);
}

/* Under insert_lock: a table of nslots holding every id stored so far. */
static struct table *table_make(size_t nslots);

/* Under insert_lock.  The table is published last: a lock-free reader
 * that sees it sees the rest. */
static bool depot_map(void)
{
	offsets = hg_os_reserve((HG_DEPOT_MAX_STACKS + 1) * sizeof(*offsets));
	pool = hg_os_reserve(HG_DEPOT_MAX_BYTES);
	live = hg_os_reserve((HG_DEPOT_MAX_STACKS + 1) * sizeof(*live));
	/* Ids are touched in order: commit the index whole, pages come on use. */
	if (offsets == NULL || pool == NULL || live == NULL ||
	    !hg_os_commit(offsets, (HG_DEPOT_MAX_STACKS + 1) * sizeof(*offsets)) ||
	    !hg_os_commit(live, (HG_DEPOT_MAX_STACKS + 1) * sizeof(*live)))
		return false;
	struct table *t = table_make(HG_DEPOT_SLOTS_MIN);
	if (t == NULL)
		return false;
	__atomic_store_n(&table, t, __ATOMIC_RELEASE);
	return true;
}

static inline uint32_t stack_hash(const uintptr_t *pcs, unsigned n)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ n;
	for (unsigned i = 0; i < n; i++) {
		h ^= pcs[i];
		h *= 0xbf58476d1ce4e5b9u;
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ h >> 32);
}

static inline const struct depot_record *record_of(uint32_t id)
{
	return (const struct depot_record *)(pool + offsets[id]);
}

static inline bool same_stack(const struct depot_record *r, uint32_t hash, const uintptr_t *pcs,
			      unsigned n)
{
	if (r->hash != hash || r->depth != n)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (r->pcs[i] != pcs[i])
			return false;
	return true;
}

/* The id of the stack in table t, or 0; *slot is where the probe stopped. */
static uint32_t probe(const struct table *t, uint32_t hash, const uintptr_t *pcs, unsigned n,
		      size_t *slot)
{
	size_t i = hash & t->mask;
	for (;;) {
		uint32_t id = __atomic_load_n(&t->slots[i], __ATOMIC_ACQUIRE);
		if (id == 0 || same_stack(record_of(id), hash, pcs, n)) {
			*slot = i;
			return id;
		}
		i = (i + 1) & t->mask;
	}
}

static struct table *table_make(size_t nslots)
{
	if (ntables == HG_DEPOT_TABLES)
		return NULL;
	struct table *t = hg_os_map(table_bytes(nslots), false);
	if (t == NULL)
		return NULL;
	t->mask = nslots - 1;
	for (uint32_t id = 1; id <= stacks; id++) {
		const struct depot_record *r = record_of(id);
		size_t slot;
		probe(t, r->hash, r->pcs, r->depth, &slot);
		t->slots[slot] = id;
	}
	tables[ntables++] = t;
	return t;
}

__attribute__((noinline)) static uint32_t insert(uint32_t hash, const uintptr_t *pcs, unsigned n)
{
	hg_lock_acquire(&insert_lock);
	uint32_t id = 0;
	if (table == NULL && !depot_broken && !depot_map())
		depot_broken = true;
	if (depot_broken)
		goto out;
	size_t slot;
	id = probe(table, hash, pcs, n, &slot);
	if (id != 0)
		goto out;
	if (stacks + 1 > (table->mask + 1) / 4 * 3 && table->mask + 1 < HG_DEPOT_SLOTS_MAX) {
		struct table *bigger = table_make((table->mask + 1) * 4);
		if (bigger != NULL) {
			__atomic_store_n(&table, bigger, __ATOMIC_RELEASE);
			probe(table, hash, pcs, n, &slot);
		}
	}
	size_t need = sizeof(struct depot_record) + n * sizeof(*pcs);
	/* A table that could not grow (no memory) still keeps an empty slot
	 * in every eight, so that every probe ends. */
	if (stacks >= HG_DEPOT_MAX_STACKS || pool_used + need > HG_DEPOT_MAX_BYTES ||
	    stacks + 1 > table->mask - table->mask / 8) {
		dropped_total++;
		goto out;
	}
	if (pool_used + need > pool_committed) {
		size_t grow = HG_DEPOT_GROW;
		if (!hg_os_commit(pool + pool_committed, grow)) {
			dropped_total++;
			goto out;
		}
		pool_committed += grow;
	}
	struct depot_record *r = (struct depot_record *)(pool + pool_used);
	r->hash = hash;
	r->depth = n;
	memcpy(r->pcs, pcs, n * sizeof(*pcs));
	id = stacks + 1;
	offsets[id] = pool_used;
	__atomic_store_n(&stacks, id, __ATOMIC_RELEASE);
	pool_used += (need + 7) & ~(size_t)7;
	__atomic_store_n(&table->slots[slot], id, __ATOMIC_RELEASE);
out:
	hg_lock_release(&insert_lock);
	return id;
}

/* Counted per thread, added up now and then: no shared cache line per capture. */
static inline void count(struct hg_thread *t, bool hit)
{
	t->stack_captures++;
	t->stack_hits += hit;
	if (HG_UNLIKELY(t->stack_captures >= 256)) {
		__atomic_fetch_add(&captures_total, t->stack_captures, __ATOMIC_RELAXED);
		__atomic_fetch_add(&hits_total, t->stack_hits, __ATOMIC_RELAXED);
		t->stack_captures = t->stack_hits = 0;
	}
}

/* hg_depot_put, inlined into the capture, whose thread is at hand. */
static inline uint32_t put(struct hg_thread *t, const uintptr_t *pcs, unsigned n)
{
	uint32_t hash = stack_hash(pcs, n);
	size_t slot;
	const struct table *tab = __atomic_load_n(&table, __ATOMIC_ACQUIRE);
	uint32_t id = tab != NULL ? probe(tab, hash, pcs, n, &slot) : 0;
	count(t, id != 0);
	return id != 0 ? id : insert(hash, pcs, n);
}

uint32_t hg_depot_put(const uintptr_t *pcs, unsigned n)
{
	if (n == 0 || n > HG_DEPTH_MAX)
		return 0;
	return put(&hg_self, pcs, n);
}

uint32_t hg_stack_capture(void)
{
	struct hg_thread *t = &hg_self;
	/* libunwind allocates while it loads and unwinds: those are ours. */
	if (t->unwinding)
		return HG_STACK_INTERNAL;
	if (!hg_stack_ready)
		return 0;
	uintptr_t pcs[HG_DEPTH_MAX];
	unsigned max = (unsigned)hg_config.options.depth;
	if (max > HG_DEPTH_MAX)
		max = HG_DEPTH_MAX;
	t->unwinding = true;
	/* The same call site, from the same frames, as the last capture:
	 * its id, without the walk or the lookup (unwind_verify wants the
	 * walk every time). */
	uint32_t id = hg_config.options.unwind_verify ? 0 : hg_cfi_memo_get(max);
	if (id != 0) {
		t->unwinding = false;
		count(t, true);
		return id;
	}
	unsigned n = hg_unwind_capture(pcs, max);
	if (n == 0) {
		t->unwinding = false;
		return 0;
	}
	id = put(t, pcs, n);
	hg_cfi_memo_set(id);
	t->unwinding = false;
	return id;
}

unsigned hg_stack_frames(uint32_t id, const uintptr_t **frames)
{
	if (id == 0 || id > __atomic_load_n(&stacks, __ATOMIC_ACQUIRE))
		return 0;
	const struct depot_record *r = record_of(id);
	*frames = r->pcs;
	return r->depth;
}

unsigned hg_stack_unwind(uintptr_t *pcs, unsigned max)
{
	struct hg_thread *t = &hg_self;
	if (t->unwinding)
		return 0;
	t->unwinding = true;
	unsigned n = hg_unwind(pcs, max);
	t->unwinding = false;
	return n;
}

void hg_depot_stats(struct hg_depot_stats *s)
{
	hg_lock_acquire(&insert_lock);
	s->stacks = stacks;
	s->bytes = pool_committed;
	for (unsigned i = 0; i < ntables; i++)
		s->bytes += table_bytes(tables[i]->mask + 1);
	if (offsets != NULL)
		s->bytes += hg_os_resident(offsets, (HG_DEPOT_MAX_STACKS + 1) * sizeof(*offsets)) +
			    hg_os_resident(live, (HG_DEPOT_MAX_STACKS + 1) * sizeof(*live));
	s->dropped = dropped_total;
	hg_lock_release(&insert_lock);
	s->captures = __atomic_load_n(&captures_total, __ATOMIC_RELAXED) + hg_self.stack_captures;
	s->hits = __atomic_load_n(&hits_total, __ATOMIC_RELAXED) + hg_self.stack_hits;
}

unsigned hg_depot_memory(uintptr_t lo[HG_DEPOT_RANGES], uintptr_t hi[HG_DEPOT_RANGES])
{
	if (__atomic_load_n(&table, __ATOMIC_ACQUIRE) == NULL)
		return 0;
	unsigned n = 0;
	lo[n] = (uintptr_t)offsets;
	hi[n++] = (uintptr_t)offsets + (HG_DEPOT_MAX_STACKS + 1) * sizeof(*offsets);
	lo[n] = (uintptr_t)pool;
	hi[n++] = (uintptr_t)pool + HG_DEPOT_MAX_BYTES;
	lo[n] = (uintptr_t)live;
	hi[n++] = (uintptr_t)live + (HG_DEPOT_MAX_STACKS + 1) * sizeof(*live);
	for (unsigned i = 0; i < ntables && n < HG_DEPOT_RANGES; i++) {
		lo[n] = (uintptr_t)tables[i];
		hi[n++] = (uintptr_t)tables[i] + table_bytes(tables[i]->mask + 1);
	}
	return n;
}

/* Id 0 (no stack) has its counters too; heapguard's own blocks have none. */
void hg_stack_live_add(uint32_t id, ptrdiff_t bytes, int blocks)
{
	if (id == HG_STACK_INTERNAL || id > __atomic_load_n(&stacks, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&table, __ATOMIC_ACQUIRE) == NULL)
		return;
	__atomic_fetch_add(&live[id].bytes, (uint64_t)bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&live[id].blocks, (uint64_t)(int64_t)blocks, __ATOMIC_RELAXED);
}

uint32_t hg_stack_count(void)
{
	return __atomic_load_n(&table, __ATOMIC_ACQUIRE) == NULL
		       ? 0
		       : __atomic_load_n(&stacks, __ATOMIC_ACQUIRE);
}

void hg_stack_live_get(uint32_t id, struct hg_stack_live *out)
{
	if (__atomic_load_n(&table, __ATOMIC_ACQUIRE) == NULL) {
		out->bytes = out->blocks = 0; /* before libunwind was loaded */
		return;
	}
	out->bytes = __atomic_load_n(&live[id].bytes, __ATOMIC_RELAXED);
	out->blocks = __atomic_load_n(&live[id].blocks, __ATOMIC_RELAXED);
}

void hg_depot_fork_prepare(void)
{
	hg_lock_acquire(&insert_lock);
}

void hg_depot_fork_parent(void)
{
	hg_lock_release(&insert_lock);
}

void hg_depot_fork_child(void)
{
	hg_lock_reset(&insert_lock);
}
