/* SPDX-License-Identifier: MIT */
/* The protected quarantined blocks (protect.h): a dense table of their
 * page ranges, written and read under a lock; the fault handler reads it
 * without, first (see hg_protect_find). */
#include "protect.h"

#include "../base/compiler.h"
#include "../lib/lib.h"
#include "canary.h"
#include "fault.h"

struct entry {
	uintptr_t lo, hi;			/* the protected pages */
	struct hg_chunk *chunk;
	bool open;				/* made accessible after a reported access */
	bool marked;				/* guard markers, not mprotect */
	bool done;				/* protected (before: its thread is at it) */
};

static struct entry table[HG_PROTECT_MAX];
static size_t used;
static size_t protected_total;
static bool forked;				/* the process forked: markers for all */
static struct hg_lock table_lock = HG_LOCK_INIT;

/* Under table_lock: c's entry, or NULL (an entry is added last, and
 * looked for soon after). */
static struct entry *entry_of(const struct hg_chunk *c)
{
	for (size_t i = used; i-- > 0;)
		if (table[i].chunk == c)
			return &table[i];
	return NULL;
}

bool hg_protect_range(const struct hg_chunk *c, uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t mem = (uintptr_t)hg_chunk2mem(c);
	uintptr_t trailer = mem + hg_chunk_usable(c) - HG_TRAILER_SIZE;
	uintptr_t mask = hg_page_size - 1;
	*lo = (mem + mask) & ~mask;
	*hi = trailer & ~mask;
	return *hi > *lo && *hi - *lo >= HG_PROTECT_MIN_PAGES * hg_page_size;
}

void hg_protect_block(struct hg_chunk *c)
{
	uintptr_t lo, hi;
	if (!hg_protect_range(c, &lo, &hi) || !hg_guard_faults_on())
		return;
	hg_lock_acquire(&table_lock);
	bool room = used < HG_PROTECT_MAX;
	if (room) {
		table[used] = (struct entry){ lo, hi, c, false, false, false };
		__atomic_store_n(&used, used + 1, __ATOMIC_RELEASE);
		protected_total++;
	}
	hg_lock_release(&table_lock);
	if (!room)
		return;
	/* Nothing may read the pages before they leave: their memory goes
	 * back to the system (a quarantine of 4 MiB made sqlite3's peak RSS
	 * 4 MiB larger through them).  Not a smaller block's: soon used
	 * again, each of its pages then costs a fault (bench regrow, blocks
	 * up to 64 KiB: 11.7 -> 18.6 times glibc's time when every block's
	 * pages went).  Nor when a reported access lets the program go on
	 * (check=0 or 1): it reads what it left there, as under glibc. */
	bool drop = (hg_config.options.check & 2) &&
		    (hi - lo >= HG_PROTECT_PURGE_MIN || __atomic_load_n(&forked, __ATOMIC_RELAXED));
	/* Pages that go take guard markers where the kernel has them: one
	 * call, and the heap's mapping is not split in three.  mprotect'ed
	 * blocks cost a process that forks two VMAs each, which every fork
	 * copies (400 blocks of 20 KB: fork and exit 505 us, glibc 96), so
	 * once it forked, every block's pages go. */
	bool marked = drop && hg_os_guard((void *)lo, hi - lo);
	if (!marked) {
		hg_os_protect((void *)lo, hi - lo);
		if (drop)
			hg_os_purge((void *)lo, hi - lo);
	}
	hg_lock_acquire(&table_lock);
	struct entry *e = entry_of(c);
	if (e != NULL) {
		e->marked = marked;
		e->done = true;
	}
	hg_lock_release(&table_lock);
}

/* The pages of an entry accessible again. */
static void unprotect(uintptr_t lo, uintptr_t hi, bool marked)
{
	if (marked)
		hg_os_unguard((void *)lo, hi - lo);
	else
		hg_os_commit((void *)lo, hi - lo);
}

void hg_protect_release(struct hg_chunk *c)
{
	uintptr_t lo, hi;
	if (!hg_protect_range(c, &lo, &hi))
		return;
	hg_lock_acquire(&table_lock);
	struct entry *e = entry_of(c), gone = { 0 };
	if (e != NULL) {
		gone = *e;
		*e = table[used - 1];
		__atomic_store_n(&used, used - 1, __ATOMIC_RELEASE);
	}
	hg_lock_release(&table_lock);
	if (e != NULL)
		unprotect(gone.lo, gone.hi, gone.marked);
}

static struct hg_chunk *find(uintptr_t addr)
{
	size_t n = __atomic_load_n(&used, __ATOMIC_ACQUIRE);
	for (size_t i = 0; i < n && i < HG_PROTECT_MAX; i++)
		if (addr >= table[i].lo && addr < table[i].hi && !table[i].open)
			return table[i].chunk;
	return NULL;
}

/* From the fault handler: without the lock first (its holder may be the
 * interrupted thread), then with it if it is free, since a removal moves
 * the last entry and a scan that meets the move can miss it. */
struct hg_chunk *hg_protect_find(uintptr_t addr)
{
	struct hg_chunk *c = find(addr);
	if (c == NULL && hg_lock_try(&table_lock)) {
		c = find(addr);
		hg_lock_release(&table_lock);
	}
	return c;
}

bool hg_protect_holds(const struct hg_chunk *c)
{
	hg_lock_acquire(&table_lock);
	bool found = entry_of(c) != NULL;
	hg_lock_release(&table_lock);
	return found;
}

void hg_protect_open(struct hg_chunk *c)
{
	hg_lock_acquire(&table_lock);
	struct entry *e = entry_of(c), opened = { 0 };
	if (e != NULL && !e->open) {
		e->open = true;
		opened = *e;
	}
	hg_lock_release(&table_lock);
	if (opened.hi > opened.lo)
		unprotect(opened.lo, opened.hi, opened.marked);
}

void hg_protect_stats(size_t *total, size_t *now)
{
	*total = __atomic_load_n(&protected_total, __ATOMIC_RELAXED);
	*now = __atomic_load_n(&used, __ATOMIC_RELAXED);
}

void hg_protect_before_fork(void)
{
	/* Not when the lock is busy: its holder may be the thread this fork
	 * interrupted (a fork in a signal handler); the next fork does it. */
	if (__atomic_load_n(&forked, __ATOMIC_RELAXED) || !(hg_config.options.check & 2) ||
	    !hg_lock_try(&table_lock))
		return;
	__atomic_store_n(&forked, true, __ATOMIC_RELAXED);
	for (size_t i = 0; i < used; i++) {
		struct entry *e = &table[i];
		if (!e->done || e->marked || e->open || !hg_os_guard((void *)e->lo, e->hi - e->lo))
			continue;
		e->marked = true;
		hg_os_commit((void *)e->lo, e->hi - e->lo);
	}
	hg_lock_release(&table_lock);
}

HG_FORK_CODE void hg_protect_fork_prepare(void)
{
	hg_lock_acquire(&table_lock);
}

HG_FORK_CODE void hg_protect_fork_parent(void)
{
	hg_lock_release(&table_lock);
}

HG_FORK_CODE void hg_protect_fork_child(void)
{
	hg_lock_reset(&table_lock);
}
