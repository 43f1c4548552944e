/* SPDX-License-Identifier: MIT */
/* The stack depot: every distinct stack stored once, in memory of its own
 * (mmap'd, never the public heap), named by a 32-bit id.  Lookups are
 * lock-free (open addressing over ids published with release stores);
 * inserts take one lock.  It is bounded: past HG_DEPOT_MAX_STACKS stacks or
 * HG_DEPOT_MAX_BYTES of records, new stacks get id 0 and are counted.
 *
 * Its memory grows with use, in mappings that double: a process starts
 * with none, and one that stores a few stacks maps about 1.3 MiB, not the
 * bounds (address space counts under RLIMIT_AS, reserved or not).  Nothing
 * stored ever moves (a lock-free reader may hold a record): records go in
 * pool blocks of 1, 2, 4 ... MiB, each id's record pointer and live
 * counters in index blocks of 16 Ki, 32 Ki, 64 Ki ... ids, every block
 * mapped (under the insert lock) before the first id that uses it is
 * published. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>

#include "../lib/lib.h"
#include "../base/compiler.h"
#include "../base/os.h"
#include "cfi.h"
#include "stack.h"
#include "unwind.h"

/* The hash table of ids (0 = empty) starts small and is rebuilt four
 * times larger at 3/4 full, up to HG_DEPOT_SLOTS_MAX; a replaced table is
 * kept (a lock-free reader may still be probing it).  A slot holds its
 * stack's hash beside its id, so a probe passes over the other stacks in
 * its way without reading their records (a cache miss each, 7% of gcc's
 * time at level=full).  Slots are spread by hash, a page each for the
 * first stacks: the first table is 2 pages (16,384 slots cost a short
 * process 25 pages and 50 page faults). */
#define HG_DEPOT_SLOTS_MIN ((size_t)1 << 10)
#define HG_DEPOT_SLOTS_MAX ((size_t)1 << 22)
#define HG_DEPOT_TABLES 7			/* 2^10, 2^12 ... 2^22 */
#define HG_DEPOT_MAX_STACKS HG_STACK_IDS_MAX
_Static_assert(HG_STACK_IDS_MAX <= HG_DEPOT_SLOTS_MAX / 4 * 3, "ids fit the largest table");
#define HG_DEPOT_MAX_BYTES ((size_t)511 << 20)	/* the pool blocks, 1 + 2 + ... + 256 MiB */
#define HG_POOL_FIRST ((size_t)1 << 20)
#define HG_POOL_BLOCKS 9
_Static_assert(HG_DEPOT_MAX_BYTES == (HG_POOL_FIRST << HG_POOL_BLOCKS) - HG_POOL_FIRST,
	       "the pool blocks add up to the bound");
/* Index block k holds ids [(2^k - 1) * HG_INDEX_FIRST, (2^(k+1) - 1) * HG_INDEX_FIRST). */
#define HG_INDEX_FIRST_BITS 14
#define HG_INDEX_FIRST ((size_t)1 << HG_INDEX_FIRST_BITS)
#define HG_INDEX_BLOCKS 8
_Static_assert(HG_DEPOT_MAX_STACKS < ((HG_INDEX_FIRST << HG_INDEX_BLOCKS) - HG_INDEX_FIRST),
	       "the index blocks hold every id");
_Static_assert(HG_DEPOT_RANGES >= HG_DEPOT_TABLES + HG_POOL_BLOCKS + 2 * HG_INDEX_BLOCKS,
	       "the leak scan is told of every mapping");

struct depot_record {
	uint32_t hash;
	uint32_t depth;
	uintptr_t pcs[];
};

struct table {
	size_t mask;				/* slots - 1 */
	uint64_t slots[];			/* hash << 32 | id */
};
static struct table *table;			/* the current one */
static struct table *tables[HG_DEPOT_TABLES];	/* all, for the leak scan */
static unsigned ntables;
/* id -> its record, and its live blocks (level=full), by index block */
static const struct depot_record **records[HG_INDEX_BLOCKS];
static struct hg_stack_live *live[HG_INDEX_BLOCKS];
static unsigned nindex;				/* index blocks mapped */
static char *pool[HG_POOL_BLOCKS];
static unsigned npool;				/* pool blocks mapped */
static size_t pool_used;			/* in the last pool block */
static size_t pool_bytes;			/* of every pool block */
static uint32_t stacks;				/* ids 1..stacks are in use */
static struct hg_lock insert_lock = HG_LOCK_INIT;
static bool depot_broken;			/* could not map its memory */
static size_t captures_total, hits_total, dropped_total;

static size_t table_bytes(size_t nslots)
{
	return sizeof(struct table) + nslots * sizeof(uint64_t);
}

/* Under insert_lock: a table of nslots holding every id stored so far. */
static struct table *table_make(size_t nslots);

static size_t index_ids(unsigned k)
{
	return HG_INDEX_FIRST << k;
}

static size_t pool_block_bytes(unsigned k)
{
	return HG_POOL_FIRST << k;
}

/* The index block of id, and its place there. */
static inline unsigned index_block(uint32_t id, size_t *at)
{
	size_t x = (size_t)id + HG_INDEX_FIRST;
	unsigned k = (unsigned)(63 - __builtin_clzl(x)) - HG_INDEX_FIRST_BITS;
	*at = x - (HG_INDEX_FIRST << k);
	return k;
}

/* Under insert_lock: the next index block (records and live counters),
 * published before any id it holds. */
static bool index_grow(void)
{
	if (nindex == HG_INDEX_BLOCKS)
		return false;
	size_t ids = index_ids(nindex);
	const struct depot_record **r = hg_os_map(ids * sizeof(*r), false);
	struct hg_stack_live *l = hg_os_map(ids * sizeof(*l), false);
	if (r == NULL || l == NULL) {
		if (r != NULL)
			hg_os_unmap(r, ids * sizeof(*r));
		if (l != NULL)
			hg_os_unmap(l, ids * sizeof(*l));
		return false;
	}
	__atomic_store_n(&records[nindex], r, __ATOMIC_RELEASE);
	__atomic_store_n(&live[nindex], l, __ATOMIC_RELEASE);
	nindex++;
	return true;
}

/* Under insert_lock: room for a record of need bytes, or NULL.  A record
 * never straddles two pool blocks. */
static struct depot_record *pool_take(size_t need)
{
	if (npool == 0 || pool_used + need > pool_block_bytes(npool - 1)) {
		if (npool == HG_POOL_BLOCKS)
			return NULL;
		char *block = hg_os_map(pool_block_bytes(npool), false);
		if (block == NULL)
			return NULL;
		__atomic_store_n(&pool[npool], block, __ATOMIC_RELEASE);
		pool_bytes += pool_block_bytes(npool);
		npool++;
		pool_used = 0;
	}
	struct depot_record *r = (struct depot_record *)(pool[npool - 1] + pool_used);
	pool_used += (need + 7) & ~(size_t)7;
	return r;
}

/* Under insert_lock.  The table is published last: a lock-free reader
 * that sees it sees the rest. */
static bool depot_map(void)
{
	if (!index_grow())
		return false;
	struct table *t = table_make(HG_DEPOT_SLOTS_MIN);
	if (t == NULL)
		return false;
	__atomic_store_n(&table, t, __ATOMIC_RELEASE);
	return true;
}

/* Each frame mixed on its own with its position, then summed: the
 * multiplications do not wait for one another (a chain through every
 * frame cost 5 cycles a frame), and a frame's position still counts. */
static inline uint32_t stack_hash(const uintptr_t *pcs, unsigned n)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ n;
	for (unsigned i = 0; i < n; i++)
		h += (pcs[i] ^ (uint64_t)i << 48 ^ (uint64_t)i * 0x632be59bd9b4e019u) *
		     0xbf58476d1ce4e5b9u;
	h ^= h >> 31;
	h *= 0x94d049bb133111ebu;
	return (uint32_t)(h ^ h >> 32);
}

static inline const struct depot_record *record_of(uint32_t id)
{
	size_t at;
	unsigned k = index_block(id, &at);
	return records[k][at];
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
		uint64_t v = __atomic_load_n(&t->slots[i], __ATOMIC_ACQUIRE);
		uint32_t id = (uint32_t)v;
		if (id == 0 || ((uint32_t)(v >> 32) == hash && same_stack(record_of(id), hash, pcs, n))) {
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
		t->slots[slot] = (uint64_t)r->hash << 32 | id;
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
	 * in every eight, so that every probe ends.  A depot whose next index
	 * or pool block cannot be mapped refuses the stack the same way. */
	size_t at;
	struct depot_record *r;
	if (stacks >= HG_DEPOT_MAX_STACKS || stacks + 1 > table->mask - table->mask / 8 ||
	    (index_block(stacks + 1, &at) >= nindex && !index_grow()) ||
	    (r = pool_take(need)) == NULL) {
		dropped_total++;
		goto out;
	}
	r->hash = hash;
	r->depth = n;
	memcpy(r->pcs, pcs, n * sizeof(*pcs));
	id = stacks + 1;
	records[index_block(id, &at)][at] = r;
	__atomic_store_n(&stacks, id, __ATOMIC_RELEASE);
	__atomic_store_n(&table->slots[slot], (uint64_t)hash << 32 | id, __ATOMIC_RELEASE);
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
	s->bytes = pool_bytes;
	for (unsigned i = 0; i < ntables; i++)
		s->bytes += table_bytes(tables[i]->mask + 1);
	for (unsigned k = 0; k < nindex; k++)
		s->bytes += hg_os_resident(records[k], index_ids(k) * sizeof(*records[k])) +
			    hg_os_resident(live[k], index_ids(k) * sizeof(*live[k]));
	s->dropped = dropped_total;
	hg_lock_release(&insert_lock);
	s->captures = __atomic_load_n(&captures_total, __ATOMIC_RELAXED) + hg_self.stack_captures;
	s->hits = __atomic_load_n(&hits_total, __ATOMIC_RELAXED) + hg_self.stack_hits;
}

unsigned hg_depot_memory(uintptr_t lo[HG_DEPOT_RANGES], uintptr_t hi[HG_DEPOT_RANGES])
{
	if (__atomic_load_n(&table, __ATOMIC_ACQUIRE) == NULL)
		return 0;
	/* Read without the insert lock (the leak scan runs with the world
	 * stopped): a block is counted once its pointer is there. */
	unsigned n = 0;
	for (unsigned k = 0; k < HG_INDEX_BLOCKS; k++) {
		const struct depot_record **r = __atomic_load_n(&records[k], __ATOMIC_ACQUIRE);
		struct hg_stack_live *l = __atomic_load_n(&live[k], __ATOMIC_ACQUIRE);
		if (r != NULL) {
			lo[n] = (uintptr_t)r;
			hi[n++] = (uintptr_t)(r + index_ids(k));
		}
		if (l != NULL) {
			lo[n] = (uintptr_t)l;
			hi[n++] = (uintptr_t)(l + index_ids(k));
		}
	}
	for (unsigned k = 0; k < HG_POOL_BLOCKS; k++) {
		char *p = __atomic_load_n(&pool[k], __ATOMIC_ACQUIRE);
		if (p != NULL) {
			lo[n] = (uintptr_t)p;
			hi[n++] = (uintptr_t)p + pool_block_bytes(k);
		}
	}
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
	size_t at;
	struct hg_stack_live *l = __atomic_load_n(&live[index_block(id, &at)], __ATOMIC_ACQUIRE);
	if (l == NULL)
		return;
	__atomic_fetch_add(&l[at].bytes, (uint64_t)bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&l[at].blocks, (uint64_t)(int64_t)blocks, __ATOMIC_RELAXED);
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
	size_t at;
	const struct hg_stack_live *l =
		__atomic_load_n(&live[index_block(id, &at)], __ATOMIC_ACQUIRE);
	if (l == NULL) {
		out->bytes = out->blocks = 0;
		return;
	}
	out->bytes = __atomic_load_n(&l[at].bytes, __ATOMIC_RELAXED);
	out->blocks = __atomic_load_n(&l[at].blocks, __ATOMIC_RELAXED);
}

HG_FORK_CODE void hg_depot_fork_prepare(void)
{
	hg_lock_acquire(&insert_lock);
}

HG_FORK_CODE void hg_depot_fork_parent(void)
{
	hg_lock_release(&insert_lock);
}

HG_FORK_CODE void hg_depot_fork_child(void)
{
	hg_lock_reset(&insert_lock);
}
