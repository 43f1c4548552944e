/* SPDX-License-Identifier: MIT */
/* Arenas: the main arena (brk) and up to arena_max others (mmap'd heaps),
 * which thread uses which, the free list of arenas whose threads exited,
 * and keeping every arena lock consistent across fork(). */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "internal.h"
#include "usage.h"
#include "../base/compiler.h"

HG_START_STATE struct hg_arena hg_main_arena;
HG_FORK_STATE struct hg_lock hg_arena_list_lock = HG_LOCK_INIT; /* reset in each fork child */
unsigned hg_narenas = 1;
static struct hg_arena *free_list;	 /* arenas with no attached thread */
static struct hg_arena *next_to_reuse; /* round-robin start when at the limit */
static size_t narenas_limit;		 /* 0 until computed */
static pthread_key_t thread_key;	 /* its destructor returns a thread's cache */
static bool thread_key_ok;

/* Exited threads, for the leak scan (report/scan.c).  A full set records
 * no more: those stacks are then scanned whole, as before. */
static struct hg_dead_stack dead_stacks[HG_DEAD_STACKS_MAX];
static size_t ndead_stacks;
static struct hg_lock dead_stacks_lock = HG_LOCK_INIT;

HG_FORK_STATE unsigned hg_generation;
HG_FORK_STATE uint32_t hg_stamp_owner_bits = HG_NEW_OWNER;
/* The thread that forked, in a child; the first to use the heap, in the
 * first process. */
HG_FORK_STATE static struct hg_thread *fork_thread;
HG_FORK_STATE static bool generation_shared;	      /* another thread used the heap since the fork */
HG_FORK_STATE static bool generation_forked;	      /* this process forked since it was forked */
/* A fork child's own-block log (hg_own_log): 32,768 blocks, 256 KiB of
 * address space, its pages made only as a child allocates (no mapping at
 * each fork).  Where heapguard is linked into the program, the scan leaves
 * it out by its range (hg_own_log_range). */
#define HG_OWN_LOG_MAX ((size_t)1 << 15)
static struct hg_chunk *own_log_blocks[HG_OWN_LOG_MAX];
static struct hg_chunk **const own_log = own_log_blocks;

void hg_arena_init(struct hg_arena *av, unsigned index)
{
	hg_lock_reset(&av->lock);
	for (unsigned i = 1; i < HG_NBINS; i++) {
		struct hg_chunk *bin = hg_bin_at(av, i);
		bin->fd = bin->bk = bin;
	}
	av->top = &av->initial_top;
	av->contiguous = index == 0;
	av->chunk_flags = index == 0 ? 0 : HG_NON_MAIN_ARENA;
	av->index = index;
}

void hg_arena_setup_threads(void)
{
	thread_key_ok = pthread_key_create(&thread_key, hg_thread_shutdown) == 0;
}

/* A new arena lives at the start of its first heap, right after the heap
 * header; its top is the rest of that heap. */
static struct hg_arena *arena_new(unsigned index)
{
	struct hg_heap *h = hg_heap_new(sizeof(struct hg_arena) + HG_MINSIZE, hg_mp.top_pad);
	if (h == NULL)
		return NULL;
	struct hg_arena *av = (struct hg_arena *)hg_heap_first_chunk(h);
	memset(av, 0, sizeof(*av));
	h->arena = av;
	hg_arena_init(av, index);
	av->system_mem = av->max_system_mem = h->size;
	hg_usage_system((ptrdiff_t)h->size);
	char *top = (char *)av + ((sizeof(*av) + HG_ALIGN_MASK) & ~HG_ALIGN_MASK);
	av->top = (struct hg_chunk *)top;
	hg_chunk_set_head(av->top, (size_t)((char *)h + h->size - top) | HG_PREV_INUSE |
					   HG_NON_MAIN_ARENA);
	av->attached_threads = 1;
	hg_lock_acquire(&hg_arena_list_lock);
	av->next = hg_main_arena.next;
	/* Publish only when fully built: free() of other threads may walk it. */
	__atomic_store_n(&hg_main_arena.next, av, __ATOMIC_RELEASE);
	hg_lock_release(&hg_arena_list_lock);
	return av;
}

static struct hg_arena *free_list_pop(void)
{
	hg_lock_acquire(&hg_arena_list_lock);
	struct hg_arena *av = free_list;
	if (av != NULL) {
		free_list = av->next_free;
		av->next_free = NULL;
		av->attached_threads++;
	}
	hg_lock_release(&hg_arena_list_lock);
	return av;
}

/* At the limit: share the first arena nobody is using right now. */
static struct hg_arena *arena_reuse(struct hg_arena *avoid)
{
	hg_lock_acquire(&hg_arena_list_lock);
	struct hg_arena *start = next_to_reuse ? next_to_reuse : &hg_main_arena;
	struct hg_arena *av = start;
	do {
		if (av != avoid && hg_lock_try(&av->lock)) {
			hg_lock_release(&av->lock);
			break;
		}
		av = av->next;
	} while (av != start);
	if (av == avoid)
		av = av->next;
	next_to_reuse = av->next;
	av->attached_threads++;
	hg_lock_release(&hg_arena_list_lock);
	return av;
}

static size_t arena_limit(void)
{
	if (narenas_limit == 0) {
		if (hg_mp.arena_max != 0)
			narenas_limit = hg_mp.arena_max;
		else if (__atomic_load_n(&hg_narenas, __ATOMIC_RELAXED) > hg_mp.arena_test)
			narenas_limit = 8 * (size_t)hg_os_ncpus();
	}
	return narenas_limit == 0 ? (size_t)-1 : narenas_limit;
}

static struct hg_arena *arena_choose(struct hg_arena *avoid)
{
	struct hg_arena *av = avoid == NULL ? free_list_pop() : NULL;
	if (av != NULL)
		return av;
	/* Claim an index below the limit first, so racing threads can't
	 * overshoot it. */
	unsigned n = __atomic_load_n(&hg_narenas, __ATOMIC_RELAXED);
	while (n < arena_limit()) {
		if (__atomic_compare_exchange_n(&hg_narenas, &n, n + 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			av = arena_new(n);
			if (av != NULL)
				return av;
			__atomic_fetch_sub(&hg_narenas, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	return arena_reuse(avoid);
}

/* A thread exits (sp: its exit hook's frame), or starts on a stack whose
 * previous thread exited: glibc gives a cached stack whole, TLS included,
 * so the new thread's hg_self has the same address. */
static void dead_stack_add(uintptr_t self, uintptr_t sp)
{
	hg_lock_acquire(&dead_stacks_lock);
	if (ndead_stacks < HG_DEAD_STACKS_MAX)
		dead_stacks[ndead_stacks++] = (struct hg_dead_stack){ self, sp };
	hg_lock_release(&dead_stacks_lock);
}

static void dead_stack_remove(uintptr_t self)
{
	hg_lock_acquire(&dead_stacks_lock);
	for (size_t i = 0; i < ndead_stacks; i++) {
		if (dead_stacks[i].self == self) {
			dead_stacks[i] = dead_stacks[--ndead_stacks];
			break;
		}
	}
	hg_lock_release(&dead_stacks_lock);
}

size_t hg_thread_dead_stacks(struct hg_dead_stack *out, size_t max)
{
	/* The scan runs with the other threads paused: one may hold the lock. */
	if (!hg_lock_try(&dead_stacks_lock))
		return 0;
	size_t n = ndead_stacks < max ? ndead_stacks : max;
	memcpy(out, dead_stacks, n * sizeof(*out));
	hg_lock_release(&dead_stacks_lock);
	return n;
}

/* A thread's first malloc or free: register the hook that returns its cache
 * at exit; only then may the cache hold chunks. */
void hg_thread_activate(struct hg_thread *t)
{
	if (t->state != HG_THREAD_NEW)
		return;
	t->state = HG_THREAD_ACTIVE;
	/* The process's first thread to come to the heap holds its blocks
	 * alone, as a fork child's forking thread does, until another comes. */
	struct hg_thread *none = NULL;
	if (hg_generation == 0)
		__atomic_compare_exchange_n(&fork_thread, &none, t, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	if (t != fork_thread)
		__atomic_store_n(&generation_shared, true, __ATOMIC_RELAXED);
	dead_stack_remove((uintptr_t)t);
	/* Numbers name threads in reports; the first to activate is main. */
	static uint32_t numbers;
	uint32_t n = __atomic_add_fetch(&numbers, 1, __ATOMIC_RELAXED);
	t->number = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
	if (thread_key_ok)
		pthread_setspecific(thread_key, t);
}

/* A thread's first allocation: pick its arena. */
struct hg_arena *hg_arena_attach_slow(struct hg_thread *t)
{
	hg_ensure_init();
	hg_thread_activate(t);
	if (t->arena == NULL)
		t->arena = arena_choose(NULL);
	return t->arena;
}

/* An arena could not serve a request of nb bytes: try another (glibc's
 * arena_get_retry).  After the main arena, a new arena is worth making only
 * if its first heap could hold the request, as glibc sizes it. */
struct hg_arena *hg_arena_retry(struct hg_arena *failed, size_t nb)
{
	if (failed != &hg_main_arena)
		return &hg_main_arena;
	if (nb + sizeof(struct hg_heap) + sizeof(struct hg_arena) + HG_MINSIZE > HG_HEAP_MAX)
		return NULL;
	return arena_choose(failed);
}

struct hg_arena *hg_arena_of_chunk(const struct hg_chunk *p)
{
	if (!(hg_chunk_low_word(p) & HG_NON_MAIN_ARENA))
		return &hg_main_arena;
	return hg_heap_of(p)->arena;
}

/* Thread exit (pthread key destructor): return the cache, detach the arena.
 * Later allocations of this thread (other destructors) bypass the cache. */
HG_ENTRY void hg_thread_shutdown(void *unused)
{
	(void)unused;
	struct hg_thread *t = &hg_self;
	/* glibc runs this from start_thread: the frames below are dead. */
	dead_stack_add((uintptr_t)t, (uintptr_t)__builtin_frame_address(0));
	if (hg_lib_hooks.thread_exit != NULL)
		hg_lib_hooks.thread_exit(); /* level=full: its quarantine batch, while the cache works */
	t->state = HG_THREAD_GONE;
	if (t == fork_thread) { /* its count goes with it; its TLS may be reused */
		fork_thread = NULL;
		__atomic_store_n(&generation_shared, true, __ATOMIC_RELAXED);
	}
	hg_tcache_flush(t);
	struct hg_arena *av = t->arena;
	t->arena = NULL;
	if (av == NULL)
		return;
	hg_lock_acquire(&hg_arena_list_lock);
	if (--av->attached_threads == 0) {
		av->next_free = free_list;
		free_list = av;
	}
	hg_lock_release(&hg_arena_list_lock);
}

HG_FORK_STATE int hg_arena_gate; /* a fork child's exit closes it */

static int gate_waiters; /* threads in hg_arena_gate_wait */

/* A thread that found the gate closed waits for it to open.  A thread
 * paused for a scan is paused here, at no lock.  The count and the gate
 * are read and written in one order (seq_cst) on both sides: either the
 * opener sees a waiter and wakes it, or the waiter sees the gate open. */
void hg_arena_gate_wait(void)
{
	int saved = errno;
	__atomic_add_fetch(&gate_waiters, 1, __ATOMIC_SEQ_CST);
	for (int g; (g = __atomic_load_n(&hg_arena_gate, __ATOMIC_SEQ_CST)) != 0;)
		syscall(SYS_futex, &hg_arena_gate, FUTEX_WAIT_PRIVATE, g, NULL, NULL, 0);
	__atomic_sub_fetch(&gate_waiters, 1, __ATOMIC_SEQ_CST);
	errno = saved;
}

static void gate_close(void)
{
	__atomic_add_fetch(&hg_arena_gate, 1, __ATOMIC_SEQ_CST);
}

/* No system call unless a thread waits (a single-threaded exit opens and
 * closes the gate for nobody). */
static void gate_open(void)
{
	if (__atomic_sub_fetch(&hg_arena_gate, 1, __ATOMIC_SEQ_CST) == 0 &&
	    __atomic_load_n(&gate_waiters, __ATOMIC_SEQ_CST) != 0)
		syscall(SYS_futex, &hg_arena_gate, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* Every arena locked (heapguard_check_heap, fork, the reports): the gate
 * closed, the list lock, each arena's, then the mmap'd chunks' registry
 * (after the arenas': sysmalloc takes it under one). */
void hg_arena_lock_all(void)
{
	gate_close();
	hg_lock_acquire(&hg_arena_list_lock);
	struct hg_arena *av = &hg_main_arena;
	do {
		hg_lock_acquire(&av->lock);
		av = av->next;
	} while (av != &hg_main_arena);
	hg_lock_acquire(hg_region_mmap_lock());
}

/* The same without waiting for ever (the exit check: exit() may have been
 * called from a signal handler that interrupted malloc).  With the gate
 * closed, a lock another thread holds is free as soon as its operation
 * ends, usually within microseconds; on a loaded machine its holder may be
 * preempted for a whole time slice: after a short spin, sleep a little
 * between tries, up to about a second per lock. */
static bool lock_patiently(struct hg_lock *l)
{
	for (unsigned i = 0; i < 1000; i++)
		if (hg_lock_try(l))
			return true;
	struct timespec pause = { 0, 200000 };
	for (unsigned i = 0; i < 5000; i++) {
		if (hg_lock_try(l))
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

/* Release the arena locks from the main arena's up to `stop` (NULL: all),
 * the list lock, and open the gate. */
static void unlock_arenas(const struct hg_arena *stop)
{
	struct hg_arena *av = &hg_main_arena;
	while (av != stop) {
		hg_lock_release(&av->lock);
		av = av->next;
		if (av == &hg_main_arena)
			break;
	}
	hg_lock_release(&hg_arena_list_lock);
	gate_open();
}

/* False, holding nothing and the gate open again, if some lock stayed
 * busy. */
bool hg_arena_try_lock_all(void)
{
	gate_close();
	if (!lock_patiently(&hg_arena_list_lock)) {
		gate_open();
		return false;
	}
	struct hg_arena *av = &hg_main_arena;
	do {
		if (!lock_patiently(&av->lock)) {
			unlock_arenas(av);
			return false;
		}
		av = av->next;
	} while (av != &hg_main_arena);
	/* A thread paused while it registers a sampled or mmap'd chunk holds
	 * this one outside any arena's. */
	if (!lock_patiently(hg_region_mmap_lock())) {
		unlock_arenas(NULL);
		return false;
	}
	return true;
}

void hg_arena_unlock_all(void)
{
	hg_lock_release(hg_region_mmap_lock());
	unlock_arenas(NULL);
}

/* fork(): every arena lock is taken before, so the child sees no arena in
 * the middle of an update; the child re-initialises them all. */
HG_FORK_CODE void hg_arena_fork_prepare(void)
{
	if (hg_ready)
		hg_arena_lock_all();
}

HG_FORK_CODE void hg_arena_fork_parent(void)
{
	if (hg_ready)
		hg_arena_unlock_all();
}

HG_FORK_CODE void hg_arena_fork_child(void)
{
	if (!hg_ready)
		return;
	/* Only this thread survives: every other arena is now unused. */
	struct hg_arena *mine = hg_self.arena;
	free_list = NULL;
	struct hg_arena *av = &hg_main_arena;
	do {
		hg_lock_reset(&av->lock);
		if (av == mine) {
			av->attached_threads = 1;
		} else {
			av->attached_threads = 0;
			av->next_free = free_list;
			free_list = av;
		}
		av = av->next;
	} while (av != &hg_main_arena);
	hg_region_fork_child();
	hg_lock_reset(&hg_arena_list_lock);
	if (hg_arena_gate != 0)
		hg_arena_gate = 0;
	if (gate_waiters != 0)
		gate_waiters = 0;
	/* A torn entry is harmless: the scan checks each one. */
	hg_lock_reset(&dead_stacks_lock);
}

/* Only this thread survives the fork: its count starts over, and another
 * thread that comes to the heap makes the per-thread counts unsummable. */
HG_FORK_CODE void hg_generation_fork_child(void)
{
	hg_generation++;
	hg_stamp_owner_bits = ((hg_generation << (HG_GENERATION_SHIFT - HG_OWNER_SHIFT)) &
			       HG_GENERATION_OWNER_MASK) |
			      HG_NEW_OWNER;
	hg_self.own_blocks = 0;
	fork_thread = &hg_self;
	generation_shared = false;
	generation_forked = false;
	hg_self.own_log = own_log;
	hg_self.own_log_left = HG_OWN_LOG_MAX;
}

HG_FORK_CODE void hg_generation_fork_parent(void)
{
	/* Written once: its page is shared with the child just forked. */
	if (!__atomic_load_n(&generation_forked, __ATOMIC_RELAXED))
		__atomic_store_n(&generation_forked, true, __ATOMIC_RELAXED);
}

/* Every block handed to the program since the fork is in the log. */
static bool own_log_complete(void)
{
	return hg_generation != 0 && &hg_self == fork_thread &&
	       !__atomic_load_n(&generation_shared, __ATOMIC_RELAXED) &&
	       hg_self.own_log_left != 0; /* left 0: full, a block may be missing */
}

bool hg_own_log(struct hg_chunk *const **log, size_t *n, bool *forked)
{
	if (!own_log_complete())
		return false;
	*forked = __atomic_load_n(&generation_forked, __ATOMIC_RELAXED);
	*log = own_log;
	*n = HG_OWN_LOG_MAX - hg_self.own_log_left;
	return true;
}

static void sift_down(struct hg_chunk **v, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (v[root] >= v[child])
			return;
		struct hg_chunk *t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

bool hg_own_log_compact(struct hg_chunk *const **log, size_t *n)
{
	if (!own_log_complete())
		return false;
	size_t count = HG_OWN_LOG_MAX - hg_self.own_log_left;
	/* Heapsort: in place, no recursion, no allocation. */
	for (size_t i = count / 2; i-- > 0;)
		sift_down(own_log, i, count);
	for (size_t end = count; end > 1; end--) {
		struct hg_chunk *t = own_log[0];
		own_log[0] = own_log[end - 1];
		own_log[end - 1] = t;
		sift_down(own_log, 0, end - 1);
	}
	size_t u = 0;
	for (size_t i = 0; i < count; i++)
		if (u == 0 || own_log[u - 1] != own_log[i])
			own_log[u++] = own_log[i];
	hg_self.own_log = own_log + u;
	hg_self.own_log_left = HG_OWN_LOG_MAX - u;
	*log = own_log;
	*n = u;
	return true;
}

void hg_own_log_range(uintptr_t *lo, uintptr_t *hi)
{
	*lo = (uintptr_t)own_log;
	*hi = *lo + HG_OWN_LOG_MAX * sizeof(*own_log);
}

/* Called by the exiting thread: if it is not the one that forked (or, in
 * the first process, the first to use the heap), that one's count cannot
 * be read safely (it may have exited), so no. */
bool hg_generation_idle(void)
{
	return &hg_self == fork_thread &&
	       !__atomic_load_n(&generation_shared, __ATOMIC_RELAXED) && hg_self.own_blocks == 0;
}
