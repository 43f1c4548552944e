/* SPDX-License-Identifier: MIT */
/* The pool of sampled slots (sample.h).  Layout, one page each:
 *
 *   lo: [guard 0][slot 0][guard 1][slot 1] ... [slot 255][guard 256] :hi
 *
 * A slot's block ends at its page's end (right-aligned: an overflow
 * reaches the next guard at once, but for the up to 15 bytes of 16-byte
 * alignment, which hold level=full's canary), or, one in eight, starts 16
 * bytes into the page, after its chunk header (left-aligned: an underflow
 * past the header reaches the guard before).  Slots are taken fresh first,
 * then the least recently freed (a FIFO), so a freed page stays
 * inaccessible for as long as the pool allows.  The slot table is the
 * only record of a block's request and stacks: the page the program can
 * overrun holds nothing but the chunk header and the block.
 *
 * Where the kernel has guard markers (Linux 6.13), the pool is one
 * read-write mapping whose inaccessible pages (guards, freed slots) carry
 * markers: one VMA, where PROT_NONE pages between live slots made two per
 * live slot (up to 513), and every fork copied them all (0.9 us each
 * here: a fork and exit took 590 us beside 256 live slots, 138 without).
 * Elsewhere, or if the kernel refuses a marker later (a locked mapping),
 * those pages are mprotect'ed instead. */
#include "sample.h"

#include <string.h>

#include "../base/compiler.h"
#include "../lib/lib.h"
#include "../stack/peak.h"
#include "../stack/stack.h"
#include "fault.h"

enum { SLOT_EMPTY, SLOT_LIVE, SLOT_FREED };

struct slot {
	uintptr_t chunk;			/* its chunk header, once used */
	uint32_t requested;			/* bytes the program asked for */
	uint32_t size;				/* its chunk's size */
	uint32_t alloc_stack, free_stack;	/* depot ids, 0: none */
	uint16_t alloc_thread, free_thread;	/* heapguard thread numbers */
	uint8_t state;				/* SLOT_* */
	bool left;				/* the block starts after the header */
	bool armed;				/* level=full: canary written */
};

uintptr_t hg_sample_lo = UINTPTR_MAX, hg_sample_hi;

static struct slot slots[HG_SAMPLE_SLOTS];
static struct hg_lock pool_lock = HG_LOCK_INIT;
static bool pool_failed;			/* the reservation failed: no sampling */
static unsigned fresh;				/* slots fresh..SLOTS-1 were never used */
static uint16_t freed_ring[HG_SAMPLE_SLOTS];	/* freed slots, oldest first */
static unsigned freed_head, freed_count;
/* Guard pages made accessible after a reported fault (check=0/1): made
 * inaccessible again when a slot beside them is next taken. */
static bool guard_open[HG_SAMPLE_SLOTS + 1];
static bool marks;				/* guard markers, not mprotect */
static bool protected_some;			/* ... but a page was mprotect'ed */
static size_t n_sampled, n_reused, n_live;
static uint64_t rng_state;

size_t hg_sample_max_request(void)
{
	return hg_page_size - HG_CHUNK_HDR;
}

static uintptr_t slot_page(unsigned i)
{
	return hg_sample_lo + (2 * (uintptr_t)i + 1) * hg_page_size;
}

static uintptr_t guard_page(unsigned g)
{
	return hg_sample_lo + 2 * (uintptr_t)g * hg_page_size;
}

/* splitmix64 over a shared counter: called once per sampled allocation. */
static uint64_t next_random(void)
{
	uint64_t z = __atomic_add_fetch(&rng_state, 0x9e3779b97f4a7c15ull, __ATOMIC_RELAXED);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The countdown after a sample: uniform in [0, 2N - 1), so a sample
 * comes every N allocations on average and at least once in any 2N - 1:
 * a bug that 2N allocations hit is met by a sampled block for certain. */
static int32_t next_countdown(uint32_t n)
{
	return (int32_t)(next_random() % (2 * (uint64_t)n - 1));
}

/* A page nothing may touch: a guard page, or a freed slot's (its bytes go). */
static void page_close(uintptr_t page)
{
	if (__atomic_load_n(&marks, __ATOMIC_RELAXED) && hg_os_guard((void *)page, hg_page_size))
		return;
	__atomic_store_n(&protected_some, true, __ATOMIC_RELAXED);
	hg_os_protect((void *)page, hg_page_size);
	hg_os_purge((void *)page, hg_page_size);
}

/* The page usable again: zero until written. */
static bool page_open(uintptr_t page)
{
	bool ok = true;
	if (__atomic_load_n(&marks, __ATOMIC_RELAXED))
		ok = hg_os_unguard((void *)page, hg_page_size);
	if (!__atomic_load_n(&marks, __ATOMIC_RELAXED) ||
	    __atomic_load_n(&protected_some, __ATOMIC_RELAXED))
		ok = hg_os_commit((void *)page, hg_page_size) && ok;
	return ok;
}

/* Under pool_lock: the reservation, at the first sampled allocation.
 * Markers go on while it is still PROT_NONE: a kernel that refuses them
 * leaves it as it was, and none of it is made accessible first. */
static bool pool_reserve(void)
{
	if (hg_sample_lo != UINTPTR_MAX)
		return true;
	if (pool_failed)
		return false;
	size_t size = (2 * (size_t)HG_SAMPLE_SLOTS + 1) * hg_page_size;
	void *p = hg_os_reserve(size);
	if (p == NULL) {
		pool_failed = true;
		return false;
	}
	if (hg_os_guard(p, size)) {
		if (hg_os_commit(p, size))
			marks = true;
		else
			hg_os_unguard(p, size);
	}
	rng_state ^= hg_link_secret;
	/* hi before lo: a reader sees no pool, or all of it. */
	__atomic_store_n(&hg_sample_hi, (uintptr_t)p + size, __ATOMIC_RELEASE);
	__atomic_store_n(&hg_sample_lo, (uintptr_t)p, __ATOMIC_RELEASE);
	return true;
}

/* Under pool_lock: a slot to use (marked live), or -1 when all are live. */
static int slot_pick(bool *reused)
{
	unsigned i;
	*reused = false;
	if (fresh < HG_SAMPLE_SLOTS) {
		i = fresh++;
	} else if (freed_count > 0) {
		i = freed_ring[freed_head];
		freed_head = (freed_head + 1) % HG_SAMPLE_SLOTS;
		freed_count--;
		*reused = true;
	} else {
		return -1;
	}
	slots[i].state = SLOT_LIVE;
	return (int)i;
}

/* Under pool_lock: slot i waits for reuse, the newest of the freed. */
static void slot_park(unsigned i)
{
	freed_ring[(freed_head + freed_count) % HG_SAMPLE_SLOTS] = (uint16_t)i;
	freed_count++;
}

/* A guard page a reported fault opened (check=0/1), closed again with
 * what the program wrote there kept, as it stays in memory on glibc: a
 * marker would drop it. */
static void guard_reclose(unsigned g)
{
	__atomic_store_n(&protected_some, true, __ATOMIC_RELAXED);
	hg_os_protect((void *)guard_page(g), hg_page_size);
}

/* The guard pages beside slot i, if a reported fault opened them. */
static void close_guards(unsigned i, bool lower, bool upper)
{
	if (lower)
		guard_reclose(i);
	if (upper)
		guard_reclose(i + 1);
}

static struct hg_chunk *slot_fill(unsigned i, size_t bytes, bool left)
{
	size_t usable = (bytes + HG_ALIGN_MASK) & ~HG_ALIGN_MASK;
	if (usable < HG_ALIGNMENT)
		usable = HG_ALIGNMENT;
	uintptr_t page = slot_page(i);
	uintptr_t mem = left ? page + HG_CHUNK_HDR : page + hg_page_size - usable;
	struct hg_chunk *c = hg_mem2chunk((void *)mem);
	c->prev_size = (uintptr_t)c - page;
	hg_chunk_set_head(c, (usable + HG_CHUNK_HDR) | HG_IS_MMAPPED | HG_INUSE);
	struct slot *s = &slots[i];
	s->chunk = (uintptr_t)c;
	s->requested = (uint32_t)bytes;
	s->size = (uint32_t)(usable + HG_CHUNK_HDR);
	s->alloc_stack = s->free_stack = 0;
	s->alloc_thread = s->free_thread = 0;
	s->left = left;
	s->armed = false;
	hg_region_mmap_add(c);
	hg_mmap_counted(c, true);
	return c;
}

struct hg_chunk *hg_sample_take(size_t bytes)
{
	struct hg_thread *t = &hg_self;
	uint32_t n = (uint32_t)hg_config.options.sample;
	if (n == 0 || hg_config.skipped || t->unwinding) {
		t->sample_left = INT32_MAX;
		return NULL;
	}
	if (!t->sample_started) {
		/* A thread's first sample comes after N to 2N - 1 allocations:
		 * a short program (most tests) is never sampled, and a bug hit
		 * by 2N allocations from the start is still met. */
		t->sample_started = true;
		if (n > 1) {
			t->sample_left = (int32_t)(n - 2 + next_random() % n);
			return NULL;
		}
	}
	if (bytes > hg_sample_max_request()) {
		t->sample_left = -1; /* due: the next request that fits */
		return NULL;
	}
	t->sample_left = next_countdown(n);
	if (!hg_guard_faults_on()) {
		t->sample_left = INT32_MAX; /* no handler of ours: no guard pages */
		return NULL;
	}
	hg_lock_acquire(&pool_lock);
	bool reused = false;
	int i = pool_reserve() ? slot_pick(&reused) : -1;
	bool lower = false, upper = false;
	if (i >= 0) {
		lower = guard_open[i];
		upper = guard_open[i + 1];
		guard_open[i] = guard_open[i + 1] = false;
	}
	hg_lock_release(&pool_lock);
	if (i < 0)
		return NULL;
	close_guards((unsigned)i, lower, upper);
	if (!page_open(slot_page((unsigned)i))) {
		hg_lock_acquire(&pool_lock);
		slots[i].state = SLOT_EMPTY;
		slot_park((unsigned)i);
		hg_lock_release(&pool_lock);
		return NULL;
	}
	/* Overflows are the common bug: a left-aligned block misses them,
	 * so few are (a bug that 2N allocations hit meets about two
	 * sampled blocks, all left-aligned one time in 64). */
	struct hg_chunk *c = slot_fill((unsigned)i, bytes, next_random() % 8 == 0);
	__atomic_add_fetch(&n_sampled, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&n_live, 1, __ATOMIC_RELAXED);
	if (reused)
		__atomic_add_fetch(&n_reused, 1, __ATOMIC_RELAXED);
	return c;
}

/* The slot whose page holds a, or NULL (a guard page, or outside). */
static struct slot *slot_at(uintptr_t a, unsigned *index)
{
	if (!hg_sample_has((void *)a))
		return NULL;
	uintptr_t page = (a - hg_sample_lo) / hg_page_size;
	if ((page & 1) == 0)
		return NULL;
	*index = (unsigned)(page / 2);
	return &slots[*index];
}

/* The slot of c, a chunk header in the pool that a slot holds, or NULL. */
static struct slot *slot_of(const struct hg_chunk *c, unsigned *index)
{
	struct slot *s = slot_at((uintptr_t)c, index);
	return s != NULL && s->chunk == (uintptr_t)c && s->state != SLOT_EMPTY ? s : NULL;
}

void hg_sample_free(struct hg_chunk *c)
{
	unsigned i;
	struct slot *s = slot_of(c, &i);
	if (s == NULL)
		return;
	hg_region_mmap_remove(c);
	hg_mmap_counted(c, false);
	if (hg_mp.full) {
		s->free_stack = hg_stack_capture();
		s->free_thread = hg_self.number;
	}
	s->armed = false;
	__atomic_store_n(&s->state, SLOT_FREED, __ATOMIC_RELEASE);
	/* Inaccessible, and its memory given back: a freed slot costs no
	 * resident page (its header is written again when a report needs it).
	 * Not a fresh mapping: malloc makes no mmap. */
	page_close(slot_page(i));
	__atomic_sub_fetch(&n_live, 1, __ATOMIC_RELAXED);
	hg_lock_acquire(&pool_lock);
	slot_park(i);
	hg_lock_release(&pool_lock);
}

/* A freed slot's page made accessible again (its bytes are gone), with
 * its chunk header written back for a report to describe the block. */
static void slot_restore(const struct slot *s, uintptr_t page)
{
	struct hg_chunk *c = (struct hg_chunk *)s->chunk;
	page_open(page);
	c->prev_size = s->chunk - page;
	hg_chunk_set_head(c, s->size | HG_IS_MMAPPED);
}

static void report_freed(struct slot *s, unsigned i, void *mem, const char *op, bool use)
{
	struct hg_chunk *c = (struct hg_chunk *)s->chunk;
	slot_restore(s, slot_page(i));
	if (use)
		hg_diag_use_after_free(mem, c, op, HG_DIAG_FREED_QUARANTINED);
	else
		hg_diag_double_free_quarantined(mem, c, op);
	if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == SLOT_FREED)
		page_close(slot_page(i));
}

bool hg_sample_check_release(void *mem, const char *op)
{
	unsigned i;
	struct slot *s = slot_at((uintptr_t)mem, &i);
	struct hg_chunk *p = hg_mem2chunk(mem);
	uint8_t state = s != NULL ? __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) : SLOT_EMPTY;
	if (state == SLOT_LIVE && s->chunk == (uintptr_t)p) {
		size_t head = hg_chunk_head(p);
		if (hg_chunk_bad_checksum(p, head)) {
			hg_diag_mmap_header(mem, op, head, p->prev_size);
			return false;
		}
		if ((head & HG_STATE_BITS) != HG_INUSE) {
			hg_diag_double_free_isolated(mem, p, op);
			return false;
		}
		return true;
	}
	if (state == SLOT_FREED && s->chunk == (uintptr_t)p) {
		report_freed(s, i, mem, op, strcmp(op, "malloc_usable_size") == 0);
		return false;
	}
	if (state == SLOT_LIVE && (uintptr_t)mem > s->chunk + HG_CHUNK_HDR &&
	    (uintptr_t)mem < s->chunk + hg_chunk_size((struct hg_chunk *)s->chunk)) {
		struct hg_chunk *c = (struct hg_chunk *)s->chunk;
		hg_diag_free_interior(mem, c, op, (size_t)((char *)mem - (char *)hg_chunk2mem(c)));
		return false;
	}
	hg_diag_free_no_chunk(mem, op, 0);
	return false;
}

void hg_sample_arm(struct hg_chunk *c, size_t requested)
{
	unsigned i;
	struct slot *s = slot_of(c, &i);
	if (s == NULL)
		return;
	s->requested = (uint32_t)requested;
	s->alloc_stack = hg_stack_capture();
	s->alloc_thread = hg_self.number;
	hg_peak_block(s->alloc_stack, (ptrdiff_t)hg_chunk_size(c));
	size_t slack = hg_chunk_usable(c) - requested;
	memset((char *)hg_chunk2mem(c) + requested, HG_CANARY_BYTE, slack);
	s->armed = true;
}

bool hg_sample_canary_ok(struct hg_chunk *c, const char *op, bool end_block)
{
	unsigned i;
	struct slot *s = slot_of(c, &i);
	if (s == NULL || !s->armed)
		return true;
	unsigned char *mem = hg_chunk2mem(c);
	size_t slack = hg_chunk_usable(c) - s->requested;
	size_t bad = hg_first_mismatch(mem + s->requested, slack, HG_CANARY_BYTE);
	if (bad != slack) {
		hg_diag_canary(mem, c, op, s->requested, s->requested + bad, mem[s->requested + bad],
			       HG_CANARY_BYTE);
		s->armed = false;
		hg_chunk_set_state(c, 0, HG_ISOLATED);
		return false;
	}
	if (end_block) {
		s->armed = false;
		hg_peak_block(s->alloc_stack, -(ptrdiff_t)hg_chunk_size(c));
	}
	return true;
}

bool hg_sample_origin(const struct hg_chunk *c, struct hg_origin *o)
{
	unsigned i;
	const struct slot *s = slot_of(c, &i);
	if (s == NULL)
		return false;
	o->requested = s->requested;
	o->alloc_stack = s->alloc_stack;
	o->free_stack = s->state == SLOT_FREED ? s->free_stack : 0;
	o->alloc_thread = s->alloc_thread;
	o->free_thread = s->state == SLOT_FREED ? s->free_thread : 0;
	return true;
}

/* The block of slot i: [start, end) of what the program asked for. */
static void block_bounds(const struct slot *s, uintptr_t *start, uintptr_t *end)
{
	*start = s->chunk + HG_CHUNK_HDR;
	*end = *start + s->requested;
}

static bool slot_used(const struct slot *s)
{
	uint8_t state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
	return state == SLOT_LIVE || state == SLOT_FREED;
}

bool hg_sample_classify(uintptr_t addr, struct hg_sample_hit *hit)
{
	if (!hg_sample_has((void *)addr))
		return false;
	uintptr_t page = (addr - hg_sample_lo) / hg_page_size;
	const struct slot *s = NULL;
	if (page & 1) {
		s = &slots[page / 2];
		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_FREED)
			return false; /* a live page does not fault; an unused one is no block's */
		hit->kind = HG_SAMPLE_FREED;
	} else {
		/* A guard page: the nearer of the blocks beside it. */
		unsigned g = (unsigned)(page / 2);
		const struct slot *below = g > 0 ? &slots[g - 1] : NULL;
		const struct slot *above = g < HG_SAMPLE_SLOTS ? &slots[g] : NULL;
		uintptr_t start, end, past = UINTPTR_MAX, before = UINTPTR_MAX;
		if (below != NULL && slot_used(below)) {
			block_bounds(below, &start, &end);
			past = addr - end;
		}
		if (above != NULL && slot_used(above)) {
			block_bounds(above, &start, &end);
			before = start - addr;
		}
		if (past == UINTPTR_MAX && before == UINTPTR_MAX)
			return false;
		s = past <= before ? below : above;
		hit->kind = past <= before ? HG_SAMPLE_OVERFLOW : HG_SAMPLE_UNDERFLOW;
	}
	hit->c = (struct hg_chunk *)s->chunk;
	hit->requested = s->requested;
	hit->freed = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == SLOT_FREED;
	return true;
}

void hg_sample_expose(uintptr_t addr, const struct hg_sample_hit *hit, bool open)
{
	uintptr_t block_page = (uintptr_t)hit->c & ~(hg_page_size - 1);
	uintptr_t hit_page = addr & ~(hg_page_size - 1);
	if (hit->freed && !open) {
		uintptr_t page = (block_page - hg_sample_lo) / hg_page_size;
		slot_restore(&slots[page / 2], block_page);
	}
	if (open && hit_page != block_page) {
		hg_lock_acquire(&pool_lock);
		guard_open[(hit_page - hg_sample_lo) / hg_page_size / 2] = true;
		hg_lock_release(&pool_lock);
		page_open(hit_page);
	}
}

void hg_sample_stats(struct hg_sample_stats *s)
{
	s->slots = __atomic_load_n(&hg_sample_lo, __ATOMIC_RELAXED) != UINTPTR_MAX ? HG_SAMPLE_SLOTS
										 : 0;
	s->sampled = __atomic_load_n(&n_sampled, __ATOMIC_RELAXED);
	s->reused = __atomic_load_n(&n_reused, __ATOMIC_RELAXED);
	s->live = __atomic_load_n(&n_live, __ATOMIC_RELAXED);
}

HG_FORK_CODE void hg_sample_fork_prepare(void)
{
	hg_lock_acquire(&pool_lock);
}

HG_FORK_CODE void hg_sample_fork_parent(void)
{
	hg_lock_release(&pool_lock);
}

HG_FORK_CODE void hg_sample_fork_child(void)
{
	hg_lock_reset(&pool_lock);
}
