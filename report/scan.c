/* SPDX-License-Identifier: MIT */
/* The reachability scan; see scan.h.  Roots come from /proc/self/maps
 * (read with open/read: no stdio), marking runs on an explicit mmap'd stack
 * (a million-node list must not recurse), and every read of memory that
 * may vanish (a thread that was not paused can unmap) is fault-guarded. */
#define _GNU_SOURCE
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/futex.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "../base/compiler.h"
#include "../lib/lib.h"
#include "../stack/modules.h"

#define HG_RED_ZONE	128		      /* below sp, the x86-64 ABI's red zone */
#define HG_HUGE_ROOT	((uintptr_t)64 << 20) /* above this, skip pages not resident */
#define HG_SPARSE_ROOT	((uintptr_t)16 << 10) /* above this, read the page map first */
#define HG_SPARSE_BLOCK ((uintptr_t)64 << 10) /* the same for a block */
#define HG_STOP_WAIT_NS 200000000L	      /* a thread that has not answered by then won't */
#define HG_STOP_MAX	4096		      /* threads paused (more are scanned whole) */
#define HG_PM_WINDOW	512		      /* pages whose pagemap entries one read takes */
#define HG_VEC_WINDOW	4096		      /* pages one mincore call asks about */

/* /proc/self/pagemap's bits (Documentation/admin-guide/mm/pagemap.rst). */
#define HG_PM_PRESENT	((uint64_t)1 << 63)
#define HG_PM_SWAPPED	((uint64_t)1 << 62)
#define HG_PM_EXCLUSIVE ((uint64_t)1 << 56)

/* ---- heapguard's own memory ---- */

#define HG_OWN_MAX 64
HG_FORK_STATE static struct hg_range own[HG_OWN_MAX];
HG_FORK_STATE static unsigned nown;

static void *own_map(size_t len)
{
	void *p = hg_os_map(len, false);
	if (p == NULL)
		return NULL;
	for (unsigned i = 0; i < HG_OWN_MAX; i++) {
		if (own[i].lo == 0) {
			own[i].lo = (uintptr_t)p;
			own[i].hi = (uintptr_t)p + len;
			if (i >= nown)
				nown = i + 1;
			return p;
		}
	}
	/* Untracked memory would be scanned as a root: refuse it. */
	hg_os_unmap(p, len);
	return NULL;
}

static void own_unmap(void *p, size_t len)
{
	for (unsigned i = 0; i < nown; i++)
		if (own[i].lo == (uintptr_t)p)
			own[i].lo = own[i].hi = 0;
	hg_os_unmap(p, len);
}

/* Scratch memory comes from one mapping, handed out in order and never
 * reused: a scan asks for half a dozen arrays and gives them all back at
 * its end, and a mapping each cost a fork child's exit 14 system calls,
 * some 30 us of the 500 it took.  The mapping goes when every piece is
 * back; what does not fit gets a mapping of its own.  A piece's room is
 * not handed out twice (but for the last piece given back zeroed, by
 * hg_scan_unmap_used), so it is zero as a fresh mapping is, and a piece
 * mostly left untouched (a file's buffer, a hash table) costs no page
 * faults beyond its use.  The pool's state, the list of our mappings and
 * the fault guard are written by every scan, a fork child's at exit too:
 * fork state (compiler.h).  One thread at a time uses it (its pieces come
 * back in that thread): a report written on call or on a signal may run
 * beside another thread's scan, and then gets mappings of its own. */
#define HG_SCRATCH_BYTES ((size_t)2 << 20)
HG_FORK_STATE static struct {
	uintptr_t owner; /* the &hg_self of the thread using it, or 0 */
	char *base;	 /* NULL: not mapped */
	size_t used;	 /* bytes handed out from base */
	unsigned live;	 /* pieces not given back */
} scratch;

void *hg_scan_map(size_t len)
{
	size_t need = (len + 63) & ~(size_t)63;
	uintptr_t me = (uintptr_t)&hg_self, none = 0;
	if (need > HG_SCRATCH_BYTES / 2)
		return own_map(len);
	if (__atomic_load_n(&scratch.owner, __ATOMIC_ACQUIRE) != me &&
	    !__atomic_compare_exchange_n(&scratch.owner, &none, me, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return own_map(len);
	if (scratch.base == NULL) {
		char *base = own_map(HG_SCRATCH_BYTES);
		if (base == NULL) {
			__atomic_store_n(&scratch.owner, 0, __ATOMIC_RELEASE);
			return own_map(len);
		}
		scratch.used = 0;
		__atomic_store_n(&scratch.base, base, __ATOMIC_RELEASE);
	}
	if (need > HG_SCRATCH_BYTES - scratch.used)
		return own_map(len);
	char *p = scratch.base + scratch.used;
	scratch.used += need;
	scratch.live++;
	return p;
}

void hg_scan_unmap_used(void *p, size_t len, size_t used)
{
	char *c = p, *base = __atomic_load_n(&scratch.base, __ATOMIC_ACQUIRE);
	size_t need = (len + 63) & ~(size_t)63;
	if (c != NULL && base != NULL && c >= base && c < base + HG_SCRATCH_BYTES &&
	    __atomic_load_n(&scratch.owner, __ATOMIC_ACQUIRE) == (uintptr_t)&hg_self &&
	    c + need == base + scratch.used && scratch.live > 1) {
		/* The last piece handed out: zero again, and the next piece
		 * takes its room, in pages already faulted in. */
		memset(c, 0, used < len ? used : len);
		scratch.used -= need;
	}
	hg_scan_unmap(p, len);
}

void hg_scan_unmap(void *p, size_t len)
{
	if (p == NULL)
		return;
	char *c = p, *base = __atomic_load_n(&scratch.base, __ATOMIC_ACQUIRE);
	if (base == NULL || c < base || c >= base + HG_SCRATCH_BYTES) {
		own_unmap(p, len);
		return;
	}
	/* A piece comes back in the thread it was handed to, the pool's
	 * owner, which alone changes the pool: any other leaves it be. */
	if (__atomic_load_n(&scratch.owner, __ATOMIC_ACQUIRE) != (uintptr_t)&hg_self)
		return;
	if (--scratch.live == 0) {
		__atomic_store_n(&scratch.base, NULL, __ATOMIC_RELEASE);
		own_unmap(base, HG_SCRATCH_BYTES);
		__atomic_store_n(&scratch.owner, 0, __ATOMIC_RELEASE);
	}
}

struct tls_search {
	uintptr_t self;	       /* the calling thread's &hg_self */
	unsigned index;	       /* of the module at hand; 0 is the executable */
	struct hg_tls_span *span;
};

static int find_own_tls(struct dl_phdr_info *info, size_t size, void *ctx)
{
	struct tls_search *t = ctx;
	unsigned index = t->index++;
	if (size < offsetof(struct dl_phdr_info, dlpi_tls_data) + sizeof(info->dlpi_tls_data) ||
	    info->dlpi_tls_data == NULL)
		return 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_TLS)
			continue;
		uintptr_t lo = (uintptr_t)info->dlpi_tls_data, hi = lo + info->dlpi_phdr[i].p_memsz;
		if (t->self < lo || t->self + sizeof(struct hg_thread) > hi)
			return 0;
		if (index != 0) {
			t->span->below = t->self - lo;
			t->span->above = hi - t->self;
		}
		return 1;
	}
	return 0;
}

/* Besides hg_self, the block holds the stack walk's memo, which copies the
 * program's rbp and the saved registers it reads at each malloc call:
 * scanned, a lost block's address left in a register of optimised code
 * would keep it "reachable". */
void hg_scan_own_tls(struct hg_tls_span *span)
{
	span->below = 0;
	span->above = sizeof(struct hg_thread);
	struct tls_search t = { (uintptr_t)&hg_self, 0, span };
	hg_modules_walk(find_own_tls, &t);
}

/* The TLS block of the thread whose &hg_self is self. */
static struct hg_range own_tls(const struct hg_tls_span *span, uintptr_t self)
{
	return (struct hg_range){ self - span->below, self + span->above };
}

/* ---- pausing the other threads ---- */

/* What a paused thread leaves for the scan. */
struct hg_stopped {
	pid_t tid;
	uintptr_t sp;	       /* where it was interrupted */
	uintptr_t handler_sp;  /* the handler's frame (an alternate stack?) */
	uintptr_t tls;	       /* its &hg_self, in our TLS block: not a root */
	uintptr_t regs[NGREG]; /* its registers, a root */
};

/* Shared with the signal handler, so it lives in static memory: a late
 * handler (a thread that unblocked the signal after we gave up on it) must
 * find it mapped, see `active` false and return at once.  Every scan
 * writes it, a fork child's at exit too: fork state (compiler.h). */
HG_FORK_STATE static struct {
	int signo;
	int active;  /* a stop is in progress */
	int release; /* futex: paused threads may go on */
	int acked;   /* futex: threads that answered */
	int inside;  /* handlers running now */
	unsigned nslots;
	pid_t pid;
	struct hg_stopped *slots; /* HG_STOP_MAX of them, mmap'd */
	struct sigaction old;
	bool installed;
} stop;

static long futex(int *addr, int op, int val, const struct timespec *timeout)
{
	return syscall(SYS_futex, addr, op, val, timeout, NULL, 0);
}

static void stop_handler(int signo, siginfo_t *si, void *ctx)
{
	(void)signo;
	int saved = errno;
	__atomic_add_fetch(&stop.inside, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&stop.active, __ATOMIC_SEQ_CST) && si->si_code == SI_TKILL &&
	    si->si_pid == stop.pid) {
		unsigned i = __atomic_fetch_add(&stop.nslots, 1, __ATOMIC_SEQ_CST);
		if (i < HG_STOP_MAX) {
			struct hg_stopped *s = &stop.slots[i];
			const ucontext_t *uc = ctx;
			volatile char here;
			s->tid = (pid_t)syscall(SYS_gettid);
			s->sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
			s->handler_sp = (uintptr_t)&here;
			s->tls = (uintptr_t)&hg_self;
			for (unsigned r = 0; r < NGREG; r++)
				s->regs[r] = (uintptr_t)uc->uc_mcontext.gregs[r];
		}
		__atomic_add_fetch(&stop.acked, 1, __ATOMIC_SEQ_CST);
		futex(&stop.acked, FUTEX_WAKE_PRIVATE, 1, NULL);
		while (__atomic_load_n(&stop.release, __ATOMIC_SEQ_CST) == 0)
			futex(&stop.release, FUTEX_WAIT_PRIVATE, 0, NULL);
	}
	__atomic_sub_fetch(&stop.inside, 1, __ATOMIC_SEQ_CST);
	errno = saved;
}

struct signal_walk {
	pid_t *sent;
	unsigned *nsent, max, fresh;
	pid_t self;
};

static void signal_one(long tid, void *ctx)
{
	struct signal_walk *w = ctx;
	if (tid == w->self)
		return;
	for (unsigned i = 0; i < *w->nsent; i++)
		if (w->sent[i] == tid)
			return;
	if (*w->nsent == w->max)
		return;
	if (syscall(SYS_tgkill, stop.pid, (pid_t)tid, stop.signo) == 0) {
		w->sent[(*w->nsent)++] = (pid_t)tid;
		w->fresh++;
	}
}

/* Signal every thread of /proc/self/task not signalled yet; how many new. */
static unsigned signal_new_threads(pid_t *sent, unsigned *nsent, unsigned max, pid_t self)
{
	struct signal_walk w = { sent, nsent, max, 0, self };
	hg_os_each_number("/proc/self/task", signal_one, &w);
	return w.fresh;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait until `want` threads have answered or the deadline passed. */
static void wait_acks(unsigned want, uint64_t deadline)
{
	for (;;) {
		int acked = __atomic_load_n(&stop.acked, __ATOMIC_SEQ_CST);
		if ((unsigned)acked >= want)
			return;
		uint64_t t = now_ns();
		if (t >= deadline)
			return;
		struct timespec ts = { (time_t)((deadline - t) / 1000000000u),
				       (long)((deadline - t) % 1000000000u) };
		futex(&stop.acked, FUTEX_WAIT_PRIVATE, acked, &ts);
	}
}

void hg_world_stop(struct hg_world *w)
{
	memset(w, 0, sizeof(*w));
	w->all_answered = true;
	stop.pid = getpid();
	stop.signo = HG_STOP_SIGNAL;
	stop.nslots = 0;
	stop.acked = 0;
	stop.release = 0;
	/* No thread was ever created (glibc clears the flag at the first
	 * pthread_create and never sets it again): none to pause, no
	 * /proc/self/task to list. */
	if (__libc_single_threaded)
		return;
	if (stop.slots == NULL)
		stop.slots = own_map(HG_STOP_MAX * sizeof(struct hg_stopped)); /* for good */
	if (stop.slots == NULL)
		return;
	static pid_t sent[HG_STOP_MAX];
	unsigned nsent = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = stop_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (!stop.installed) {
		if (sigaction(stop.signo, &sa, &stop.old) != 0)
			return;
		stop.installed = true;
	}
	__atomic_store_n(&stop.active, 1, __ATOMIC_SEQ_CST);
	pid_t self = (pid_t)syscall(SYS_gettid);
	uint64_t deadline = now_ns() + HG_STOP_WAIT_NS;
	/* A thread created while we were signalling shows up in the next
	 * listing; paused threads create none, so this converges. */
	for (int round = 0; round < 16; round++) {
		unsigned fresh = signal_new_threads(sent, &nsent, HG_STOP_MAX, self);
		wait_acks(nsent, deadline);
		if (fresh == 0)
			break;
	}
	unsigned acked = __atomic_load_n(&stop.acked, __ATOMIC_SEQ_CST);
	w->threads = acked < nsent ? acked : nsent;
	w->not_stopped = nsent - w->threads;
	w->all_answered = w->not_stopped == 0;
}

void hg_world_resume(struct hg_world *w)
{
	__atomic_store_n(&stop.active, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&stop.release, 1, __ATOMIC_SEQ_CST);
	futex(&stop.release, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL);
	/* Handlers still inside read stop.release; let them leave first. */
	uint64_t deadline = now_ns() + HG_STOP_WAIT_NS;
	while (__atomic_load_n(&stop.inside, __ATOMIC_SEQ_CST) != 0 && now_ns() < deadline)
		sched_yield();
	/* A thread that never answered may still have the signal pending:
	 * then our handler stays, harmless, rather than the default action
	 * (which would kill the process). */
	if (stop.installed && w->all_answered &&
	    __atomic_load_n(&stop.inside, __ATOMIC_SEQ_CST) == 0) {
		sigaction(stop.signo, &stop.old, NULL);
		stop.installed = false;
	}
}

/* ---- reading memory that may fault ---- */

HG_FORK_STATE static struct {
	sigjmp_buf env;
	int armed;
	pid_t tid;
	struct sigaction old_segv, old_bus;
} fault;

static void fault_handler(int signo, siginfo_t *si, void *ctx)
{
	(void)si;
	(void)ctx;
	if (fault.armed && (pid_t)syscall(SYS_gettid) == fault.tid)
		siglongjmp(fault.env, 1);
	/* Not ours: give the program its own handling back and let the
	 * faulting instruction run again. */
	sigaction(signo, signo == SIGSEGV ? &fault.old_segv : &fault.old_bus, NULL);
}

static void fault_guard_on(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	fault.tid = (pid_t)syscall(SYS_gettid);
	sigaction(SIGSEGV, &sa, &fault.old_segv);
	sigaction(SIGBUS, &sa, &fault.old_bus);
	fault.armed = 1;
}

static void fault_guard_off(void)
{
	fault.armed = 0;
	sigaction(SIGSEGV, &fault.old_segv, NULL);
	sigaction(SIGBUS, &fault.old_bus, NULL);
}

/* ---- marking ---- */

enum { UNREACHED = 0, REACHABLE, INDIRECT, LEADER };

struct marker {
	const struct hg_live *chunks;
	const uintptr_t *start; /* chunks[i].user, dense for the search */
	uint8_t *state;
	size_t count;
	uintptr_t min, max;  /* any reference lies in [min, max) */
	uint32_t *stack;     /* chunks to scan */
	volatile size_t top; /* in memory: survives a fault's longjmp */
	uint8_t want, set;   /* mark chunks in state want as set */
	bool headers;	     /* a chunk's own address refers to it too */
	size_t self;	     /* the indirect pass's leader */
	size_t map_len;
	struct region *regions; /* the chunk index, or NULL: search all */
	size_t region_mask;
	unsigned region_shift, region_bits;
	int pagemap;  /* /proc/self/pagemap for a block's pages, or -1 */
	uint64_t *pm; /* its window (the roots', done with by then) */
};

/* ---- the chunk index ----
 * A word in [min, max) was looked up by a binary search over every
 * chunk: a cache miss a step, and in a big program most words of its
 * roots fall in that span (gcc's own pools and Python's arenas are mapped
 * among the heap's big blocks): 3.7% of gcc's time at level=fast.  The
 * index is a hash table of the aligned 2^region_shift-byte regions that
 * hold a chunk's bytes, each with the slice of start[] that overlaps it:
 * a word in no such region refers to no chunk, and the others search
 * that slice alone. */
struct region {
	uintptr_t key; /* the region's number + 1; 0: an empty slot */
	uint32_t first, last; /* the chunks that overlap it */
};

#define HG_REGION_SHIFT_FIRST 12
#define HG_REGION_SHIFT_MAX 40
#define HG_REGION_SLACK 16384

/* The regions chunk i overlaps, [*lo, *hi] (a 0-byte chunk has 1 byte). */
static inline void chunk_regions(const struct marker *m, size_t i, unsigned shift, uintptr_t *lo,
				 uintptr_t *hi)
{
	size_t len = m->chunks[i].requested ? m->chunks[i].requested : 1;
	*lo = m->start[i] >> shift;
	*hi = (m->start[i] + len - 1) >> shift;
}

/* How many regions hold a chunk's bytes: chunks are sorted and apart, so
 * each one's regions start at or after the last one's. */
static size_t count_regions(const struct marker *m, unsigned shift)
{
	size_t n = 0;
	uintptr_t done = 0; /* the last region counted, + 1 */
	for (size_t i = 0; i < m->count; i++) {
		uintptr_t lo, hi;
		chunk_regions(m, i, shift, &lo, &hi);
		if (lo < done)
			lo = done;
		if (hi + 1 > lo) {
			n += hi + 1 - lo;
			done = hi + 1;
		}
	}
	return n;
}

static inline size_t region_slot(const struct marker *m, uintptr_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15u) >> (64 - m->region_bits));
}

/* Regions of 4 KiB, or 16 times larger until there are at most
 * HG_REGION_SLACK more of them than chunks (one mmap'd chunk of a GiB),
 * in a table at most half full; none, and every word searches all the
 * chunks, if it cannot be mapped. */
static void index_chunks(struct marker *m)
{
	unsigned shift = HG_REGION_SHIFT_FIRST;
	size_t n = count_regions(m, shift);
	while (n > m->count + HG_REGION_SLACK && shift < HG_REGION_SHIFT_MAX) {
		shift += 4;
		n = count_regions(m, shift);
	}
	unsigned bits = 6;
	while (((size_t)1 << bits) < 2 * n)
		bits++;
	size_t slots = (size_t)1 << bits;
	m->regions = hg_scan_map(slots * sizeof(struct region));
	if (m->regions == NULL)
		return;
	m->region_mask = slots - 1;
	m->region_bits = bits;
	m->region_shift = shift;
	struct region *cur = NULL;
	for (size_t i = 0; i < m->count; i++) {
		uintptr_t lo, hi;
		chunk_regions(m, i, shift, &lo, &hi);
		for (uintptr_t r = lo; r <= hi; r++) {
			if (cur != NULL && cur->key == r + 1) {
				cur->last = (uint32_t)i;
				continue;
			}
			size_t at = region_slot(m, r + 1);
			while (m->regions[at].key != 0)
				at = (at + 1) & m->region_mask;
			cur = &m->regions[at];
			cur->key = r + 1;
			cur->first = cur->last = (uint32_t)i;
		}
	}
}

static void unindex_chunks(struct marker *m)
{
	if (m->regions != NULL)
		hg_scan_unmap(m->regions, (m->region_mask + 1) * sizeof(struct region));
	m->regions = NULL;
}

/* The chunk whose [user, user + requested) holds v (a 0-byte chunk: v ==
 * user), or SIZE_MAX. */
static size_t find_chunk(const struct marker *m, uintptr_t v)
{
	size_t lo = 0, hi = m->count; /* the last start <= v is in [lo, hi) */
	if (m->regions != NULL) {
		uintptr_t key = (v >> m->region_shift) + 1;
		size_t at = region_slot(m, key);
		for (;;) {
			const struct region *r = &m->regions[at];
			if (r->key == key) {
				lo = r->first;
				hi = (size_t)r->last + 1;
				break;
			}
			if (r->key == 0)
				return SIZE_MAX;
			at = (at + 1) & m->region_mask;
		}
	}
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->start[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	uintptr_t s = m->start[lo];
	if (v < s)
		return SIZE_MAX;
	size_t req = m->chunks[lo].requested;
	return v - s < req || v == s ? lo : SIZE_MAX;
}

/* The chunk whose header starts at v, or SIZE_MAX. */
static size_t find_header(const struct marker *m, uintptr_t v)
{
	size_t i = find_chunk(m, v + HG_CHUNK_HDR);
	return i != SIZE_MAX && m->start[i] == v + HG_CHUNK_HDR ? i : SIZE_MAX;
}

static void mark(struct marker *m, size_t i)
{
	if (i == SIZE_MAX || i == m->self)
		return;
	uint8_t st = m->state[i];
	if (st == m->want) {
		m->state[i] = m->set;
		m->stack[m->top] = (uint32_t)i;
		m->top = m->top + 1;
	} else if (st == LEADER && m->set == INDIRECT) {
		/* An earlier leader is reachable from this one: it is
		 * indirect, and what it reaches was marked already. */
		m->state[i] = INDIRECT;
	}
}

static void scan_words(struct marker *m, uintptr_t lo, uintptr_t hi)
{
	lo = (lo + 7) & ~(uintptr_t)7;
	const uintptr_t min = m->min - (m->headers ? HG_CHUNK_HDR : 0), span = m->max - min;
	for (const uintptr_t *p = (const uintptr_t *)lo; (uintptr_t)(p + 1) <= hi; p++) {
		uintptr_t v = *p;
		if (v - min >= span)
			continue;
		mark(m, find_chunk(m, v));
		if (m->headers)
			mark(m, find_header(m, v));
	}
}

/* A paused thread's registers and live stack: one stopped inside malloc
 * between taking a chunk and returning it holds the chunk's own address
 * (its header's), not yet the block's; that counts as a reference too. */
static void scan_thread_words(struct marker *m, uintptr_t lo, uintptr_t hi)
{
	m->headers = true;
	scan_words(m, lo, hi);
	m->headers = false;
}

/* A block over 64 KiB: only the pages the page map says are there or
 * swapped out, as of a root mapping (scan_root); a big block mostly
 * never written cost a page fault for each of its pages. */
static void scan_chunk(struct marker *m, size_t i)
{
	uintptr_t lo = m->chunks[i].user, hi = lo + m->chunks[i].requested;
	if (hi - lo <= HG_SPARSE_BLOCK || m->pagemap < 0) {
		scan_words(m, lo, hi);
		return;
	}
	uintptr_t page = hg_page_size;
	for (uintptr_t a = lo & ~(page - 1); a < hi;) {
		size_t npages = (hi - a + page - 1) / page;
		if (npages > HG_PM_WINDOW)
			npages = HG_PM_WINDOW;
		ssize_t got = pread(m->pagemap, m->pm, npages * sizeof(m->pm[0]),
				    (off_t)(a / page * sizeof(m->pm[0])));
		if (got < (ssize_t)sizeof(m->pm[0])) { /* cannot tell: all of it */
			scan_words(m, a > lo ? a : lo, hi);
			return;
		}
		size_t n = (size_t)got / sizeof(m->pm[0]);
		for (size_t k = 0; k < n; k++) {
			if (!(m->pm[k] & (HG_PM_PRESENT | HG_PM_SWAPPED)))
				continue;
			uintptr_t plo = a + k * page, phi = plo + page;
			scan_words(m, plo > lo ? plo : lo, phi < hi ? phi : hi);
		}
		a += n * page;
	}
}

/* Pop and scan until the stack is empty.  A chunk that faults (an mmap'd
 * one a running thread unmapped) is skipped. */
static void drain_reachable(struct marker *m, unsigned *faults)
{
	if (sigsetjmp(fault.env, 1) != 0)
		(*faults)++;
	while (m->top > 0) {
		m->top = m->top - 1;
		scan_chunk(m, m->stack[m->top]);
	}
}

/* Each unreached chunk not yet known indirect leads a search; whatever it
 * reaches (but itself) is indirect.  What is still a leader at the end is
 * lost: of a leaked cycle, one block is lost and the others indirect, as
 * Valgrind counts them.  One sigsetjmp for the whole pass: it costs a
 * system call. */
static void mark_indirect(struct marker *m, unsigned *faults)
{
	volatile size_t next = 0;
	m->want = UNREACHED;
	m->set = INDIRECT;
	if (sigsetjmp(fault.env, 1) != 0)
		(*faults)++;
	for (;;) {
		while (m->top > 0) {
			m->top = m->top - 1;
			scan_chunk(m, m->stack[m->top]);
		}
		size_t i = next;
		while (i < m->count && m->state[i] != UNREACHED)
			i++;
		next = i;
		if (i == m->count)
			return;
		m->state[i] = LEADER;
		m->self = i;
		m->stack[0] = (uint32_t)i;
		m->top = 1;
	}
}

/* ---- roots ---- */

char *hg_scan_read_file(const char *path, size_t *len, size_t *map_len)
{
	size_t cap = 1 << 18;
	for (;;) {
		char *buf = hg_scan_map(cap);
		if (buf == NULL)
			return NULL;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			hg_scan_unmap_used(buf, cap, 0);
			return NULL;
		}
		size_t n = 0;
		ssize_t r;
		while (n < cap && (r = read(fd, buf + n, cap - n)) != 0) {
			if (r < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			n += (size_t)r;
		}
		close(fd);
		if (n < cap) {
			*len = n;
			*map_len = cap;
			return buf;
		}
		/* Too small to tell the end: again, four times larger. */
		hg_scan_unmap_used(buf, cap, cap);
		cap *= 4;
	}
}

static uintptr_t parse_hex(const char **s)
{
	uintptr_t v = 0;
	for (;; (*s)++) {
		char c = **s;
		if (c >= '0' && c <= '9')
			v = v * 16 + (uintptr_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uintptr_t)(c - 'a' + 10);
		else
			return v;
	}
}

struct roots {
	struct marker *m;
	const struct hg_scan_input *in;
	struct hg_range *exclude; /* sorted, merged */
	size_t nexclude;
	uintptr_t *sps; /* stack pointers, sorted */
	size_t nsps;
	struct hg_dead_stack *dead; /* exited threads */
	size_t ndead;
	uintptr_t prev_hi;  /* the previous mapping's end */
	bool prev_noaccess; /* and whether it was ---p (a guard page?) */
	uint64_t bytes;
	uint64_t heap_bytes;
	unsigned nslots;    /* paused threads' slots read (one that answers late is not) */
	int pagemap;	    /* /proc/self/pagemap, or -1 */
	uint64_t *pm;	    /* pagemap's answer, one window (HG_PM_WINDOW) */
	unsigned char *vec; /* mincore's, one window (HG_VEC_WINDOW) */
};

static void scan_pages(struct roots *r, uintptr_t lo, uintptr_t hi, int fd, bool written,
		       bool present);

/* Scan [lo, hi).  In an anonymous mapping of more than 16 KiB (sparse)
 * only the pages the page map says are there or swapped out: the others
 * were never written, hold zeros, and reading one cost a page fault (a
 * python3 that did nothing read 390 of its allocator's arenas' pages at
 * exit, 40% of the faults of its whole run under glibc; an exec'd sed,
 * ten of libc's bss, 52 KiB, where the page map's read costs less than
 * one fault).  Without the
 * page map, a huge mapping's resident pages only (mincore: the price of
 * not reading gigabytes of reservations is missing what is swapped out),
 * any other whole. */
static void scan_root(struct roots *r, uintptr_t lo, uintptr_t hi, bool sparse)
{
	if (hi <= lo)
		return;
	if (r->in->ninherited > 0) { /* a fork child: pagemap is open */
		scan_pages(r, lo, hi, r->in->pagemap, false, false);
		return;
	}
	if (sparse && r->pagemap >= 0) {
		scan_pages(r, lo, hi, r->pagemap, false, true);
		return;
	}
	if (!sparse || hi - lo <= HG_HUGE_ROOT) {
		r->bytes += hi - lo;
		scan_words(r->m, lo, hi);
		return;
	}
	uintptr_t page = hg_page_size;
	for (uintptr_t a = lo & ~(page - 1); a < hi;) {
		uintptr_t end = a + HG_VEC_WINDOW * page;
		if (end > hi || end < a)
			end = hi;
		size_t npages = (end - a + page - 1) / page;
		if (mincore((void *)a, end - a, r->vec) != 0) {
			a = end;
			continue;
		}
		for (size_t i = 0; i < npages; i++) {
			if (!(r->vec[i] & 1))
				continue;
			uintptr_t plo = a + i * page, phi = plo + page;
			plo = plo < lo ? lo : plo;
			phi = phi > hi ? hi : phi;
			r->bytes += phi - plo;
			scan_words(r->m, plo, phi);
		}
		a = end;
	}
}

/* [lo, hi) less heapguard's heaps (by 64 MiB slot) and the exclusions. */
static void scan_root_pieces(struct roots *r, uintptr_t lo, uintptr_t hi, bool sparse)
{
	size_t a = 0, b = r->nexclude;
	while (a < b) { /* the first exclusion ending after lo */
		size_t mid = a + (b - a) / 2;
		if (r->exclude[mid].hi <= lo)
			a = mid + 1;
		else
			b = mid;
	}
	for (; lo < hi; a++) {
		uintptr_t piece_hi = hi;
		uintptr_t skip_to = hi;
		if (a < r->nexclude && r->exclude[a].lo < hi) {
			piece_hi = r->exclude[a].lo > lo ? r->exclude[a].lo : lo;
			skip_to = r->exclude[a].hi;
		}
		for (uintptr_t s = lo; s < piece_hi;) {
			uintptr_t next = (s | (HG_HEAP_MAX - 1)) + 1;
			if (next > piece_hi || next == 0)
				next = piece_hi;
			if (!hg_region_heap_slot(s))
				scan_root(r, s, next, sparse);
			s = next;
		}
		lo = skip_to > lo ? skip_to : lo;
		if (a >= r->nexclude)
			break;
	}
}

/* The record of an exited thread whose stack, kept in glibc's stack cache,
 * is [lo, hi), or NULL.  Its roots begin at its exit hook, as from a paused
 * thread's sp: below lie its dead frames; above, its TLS (less ours) and
 * struct pthread (whose dtv glibc still owns) stay roots.  Each record is
 * checked, it may be stale: the stack was unmapped, or is in use again. */
static const struct hg_dead_stack *dead_stack(const struct roots *r, uintptr_t lo, uintptr_t hi)
{
	for (size_t i = 0; i < r->ndead; i++) {
		const struct hg_dead_stack *d = &r->dead[i];
		struct hg_range tls = own_tls(&r->in->tls, d->self);
		if (d->sp <= lo || d->sp >= tls.lo || tls.hi > hi)
			continue;
		/* A thread starting on a cached stack gets a fresh TLS: NEW. */
		if (((const struct hg_thread *)d->self)->state == HG_THREAD_GONE)
			return d;
	}
	return NULL;
}

/* One line of /proc/self/maps: is it a root, and from where. */
static void consider_mapping(struct roots *r, const char *line)
{
	const char *s = line;
	uintptr_t lo = parse_hex(&s);
	if (*s++ != '-')
		return;
	uintptr_t hi = parse_hex(&s);
	if (*s++ != ' ')
		return;
	/* glibc maps a stack right above its guard page: such a mapping
	 * starts where the stack does, so skipping its bottom skips no more. */
	bool guarded = r->prev_hi == lo && r->prev_noaccess;
	r->prev_hi = hi;
	r->prev_noaccess = s[0] == '-' && s[1] == '-' && s[2] == '-';
	if (s[0] != 'r' || s[1] != 'w' || s[3] != 'p')
		return;
	s += 5;
	parse_hex(&s); /* offset */
	while (*s == ' ')
		s++;
	while (*s && *s != ' ') /* device */
		s++;
	while (*s == ' ')
		s++;
	uintptr_t inode = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		inode = inode * 10 + (uintptr_t)(*s - '0');
	while (*s == ' ')
		s++;
	if (strncmp(s, "[vvar]", 6) == 0 || strncmp(s, "[vdso]", 6) == 0 ||
	    strncmp(s, "[vsyscall]", 10) == 0)
		return;
	/* A file that is not a loaded module's data may be truncated under
	 * us (SIGBUS) and holds no pointers of this process anyway. */
	if (inode != 0 && !hg_modules_contains(lo))
		return;
	/* A paused thread's stack counts from its stack pointer up: below it
	 * lie dead frames, full of stale pointers. */
	bool live = false;
	for (size_t i = 0; i < r->nsps && !live; i++) {
		uintptr_t sp = r->sps[i];
		if (sp >= lo && sp < hi) {
			lo = sp - HG_RED_ZONE > lo ? sp - HG_RED_ZONE : lo;
			live = true;
		}
	}
	const struct hg_dead_stack *d = NULL;
	if (!live && guarded && inode == 0)
		d = dead_stack(r, lo, hi);
	bool sparse = inode == 0 && hi - (d != NULL ? d->sp : lo) > HG_SPARSE_ROOT;
	if (d != NULL) {
		struct hg_range tls = own_tls(&r->in->tls, d->self);
		scan_root_pieces(r, d->sp, tls.lo, sparse);
		lo = tls.hi;
	}
	r->m->headers = live; /* see scan_thread_words */
	scan_root_pieces(r, lo, hi, sparse);
	r->m->headers = false;
}

void hg_scan_sort_ranges(struct hg_range *v, size_t n)
{
	for (size_t i = 1; i < n; i++) { /* a few hundred, mostly sorted */
		struct hg_range x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1].lo > x.lo) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static void sort_words(uintptr_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uintptr_t x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* The exclusions: the caller's, our own mappings, every paused thread's
 * (and our own) TLS block of heapguard's: struct hg_thread, whose cache
 * heads are chunk-header addresses that at level=fast fall inside the
 * previous chunk, and the stack walk's copies of the program's registers. */
static size_t build_exclusions(struct roots *r, struct hg_range *ex, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->in->nexclude && n < max; i++)
		ex[n++] = r->in->exclude[i];
	for (unsigned i = 0; i < nown && n < max; i++)
		if (own[i].lo != 0)
			ex[n++] = own[i];
	if (n < max)
		ex[n++] = own_tls(&r->in->tls, (uintptr_t)&hg_self);
	unsigned slots = r->nslots;
	for (unsigned i = 0; stop.slots != NULL && i < slots && n < max; i++)
		ex[n++] = own_tls(&r->in->tls, stop.slots[i].tls);
	hg_scan_sort_ranges(ex, n);
	size_t out = 0; /* merge overlaps */
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && ex[i].lo <= ex[out - 1].hi) {
			if (ex[i].hi > ex[out - 1].hi)
				ex[out - 1].hi = ex[i].hi;
		} else {
			ex[out++] = ex[i];
		}
	}
	return out;
}

/* maps: /proc/self/maps, read before the exclusions were built (its buffer
 * is one of them: hundreds of KiB, mostly never touched, to read for nothing). */
static void scan_roots(struct roots *r, char *maps, size_t len, unsigned *faults)
{
	if (maps == NULL)
		return;
	/* Registers of the paused threads and of the caller. */
	unsigned slots = r->nslots;
	for (unsigned i = 0; stop.slots != NULL && i < slots; i++)
		scan_thread_words(r->m, (uintptr_t)stop.slots[i].regs,
				  (uintptr_t)(stop.slots[i].regs + NGREG));
	scan_words(r->m, (uintptr_t)r->in->caller_regs,
		   (uintptr_t)(r->in->caller_regs + r->in->ncaller_regs));
	/* volatile: the position survives a fault's longjmp. */
	volatile size_t pos = 0;
	if (sigsetjmp(fault.env, 1) != 0) {
		(*faults)++;
		while (pos < len && maps[pos] != '\n')
			pos++;
	}
	while (pos < len) {
		size_t start = pos;
		while (pos < len && maps[pos] != '\n')
			pos++;
		maps[pos < len ? pos : len - 1] = '\0';
		consider_mapping(r, maps + start);
		pos++;
	}
}

/* ---- a fork child's inherited memory ---- */


/* [lo, hi) less the chunks being classified (sorted, not overlapping). */
static void scan_between_chunks(struct roots *r, uintptr_t lo, uintptr_t hi)
{
	struct marker *m = r->m;
	size_t a = 0, b = m->count; /* the first chunk ending after lo */
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (m->start[mid] + m->chunks[mid].requested <= lo)
			a = mid + 1;
		else
			b = mid;
	}
	for (size_t i = a; lo < hi; i++) {
		uintptr_t cut = i < m->count && m->start[i] < hi ? m->start[i] : hi;
		if (cut > lo) {
			r->heap_bytes += cut - lo;
			scan_words(m, lo, cut);
		}
		if (cut == hi)
			break;
		uintptr_t end = m->start[i] + m->chunks[i].requested;
		lo = end > lo ? end : lo;
	}
}

/* ---- what a fork child wrote before it forked in turn ---- */

/* A fork child's scan reads as roots only the pages it wrote since its
 * fork, which pagemap tells: present and mapped by it alone.  A fork of
 * its own shares every one of them with the new child, and pagemap tells
 * them no more: the scan had to walk the whole inherited heap (a bash
 * subshell running a pipe, at level=full: 0.5 ms, the quarantine's
 * chunks one by one).  So each such fork first notes the pages written so
 * far, as sorted runs in a mapping of our own, and the scan takes a page
 * for written if pagemap or the note says so.  A fork while other
 * threads run (they may write a page between the note and the fork), or
 * a note that failed, loses it: the scan walks the heap, as before. */
HG_FORK_STATE static struct {
	struct hg_range *runs; /* pages noted, sorted, apart */
	size_t n, cap;
	bool lost;
	bool busy; /* a fork in a signal handler that interrupted a note */
} noted;

/* Room for n runs in *v (capacity *cap, of own_map): false if none. */
static bool runs_room(struct hg_range **v, size_t *cap, size_t n)
{
	if (n <= *cap)
		return true;
	size_t cap2 = *cap < 256 ? 256 : *cap * 2;
	while (cap2 < n)
		cap2 *= 2;
	struct hg_range *w = own_map(cap2 * sizeof(*w));
	if (w == NULL)
		return false;
	if (*v != NULL) {
		memcpy(w, *v, *cap * sizeof(*w));
		own_unmap(*v, *cap * sizeof(*w));
	}
	*v = w;
	*cap = cap2;
	return true;
}

static bool runs_add(struct hg_range **v, size_t *n, size_t *cap, uintptr_t lo, uintptr_t hi)
{
	if (*n > 0 && (*v)[*n - 1].hi >= lo) {
		if (hi > (*v)[*n - 1].hi)
			(*v)[*n - 1].hi = hi;
		return true;
	}
	if (!runs_room(v, cap, *n + 1))
		return false;
	(*v)[(*n)++] = (struct hg_range){ lo, hi };
	return true;
}

/* Runs in increasing order, merged into *v with a note's earlier runs
 * (sorted, apart) as they come: the union, in one array. */
struct runs_merge {
	const struct hg_range *old;
	size_t nold, next; /* old's runs added so far */
	struct hg_range **v;
	size_t *n, *cap;
};

/* The earlier runs that start before lo (UINTPTR_MAX: all that are left). */
static bool merge_old_before(struct runs_merge *mg, uintptr_t lo)
{
	for (; mg->next < mg->nold && mg->old[mg->next].lo < lo; mg->next++)
		if (!runs_add(mg->v, mg->n, mg->cap, mg->old[mg->next].lo, mg->old[mg->next].hi))
			return false;
	return true;
}

static bool merge_add(struct runs_merge *mg, uintptr_t lo, uintptr_t hi)
{
	return merge_old_before(mg, lo) && runs_add(mg->v, mg->n, mg->cap, lo, hi);
}

/* Pages a note reads the page map of, at most (4 GiB of 4 KiB pages, 8 MiB
 * of page map): past that (a huge reservation mapped read-write), it is
 * lost rather than make every fork slow. */
#define HG_NOTE_PAGES_MAX ((size_t)1 << 20)

/* The written pages of one writable mapping, merged into mg. */
static bool note_mapping(int pm, uintptr_t lo, uintptr_t hi, struct runs_merge *mg,
			 size_t *budget)
{
	uint64_t e[512];
	uintptr_t page = hg_page_size;
	if ((hi - lo) / page > *budget)
		return false;
	*budget -= (hi - lo) / page;
	for (uintptr_t a = lo; a < hi;) {
		size_t want = (hi - a) / page;
		if (want > sizeof(e) / sizeof(e[0]))
			want = sizeof(e) / sizeof(e[0]);
		ssize_t got = pread(pm, e, want * sizeof(e[0]), (off_t)(a / page * sizeof(e[0])));
		if (got < (ssize_t)sizeof(e[0]))
			return false;
		size_t k = (size_t)got / sizeof(e[0]);
		for (size_t i = 0; i < k; i++) {
			bool mine = (e[i] & HG_PM_SWAPPED) ||
				    (e[i] & (HG_PM_PRESENT | HG_PM_EXCLUSIVE)) ==
					    (HG_PM_PRESENT | HG_PM_EXCLUSIVE);
			if (mine && !merge_add(mg, a + i * page, a + (i + 1) * page))
				return false;
		}
		a += k * page;
	}
	return true;
}

/* Every writable private mapping's written pages, from /proc/self/maps
 * read a page at a time (no buffer of the scan's: this runs in a fork's
 * prepare handler, maybe in a signal handler). */
static bool note_all(struct runs_merge *mg)
{
	int maps = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	bool ok = maps >= 0 && pm >= 0;
	char buf[4096];
	size_t have = 0, budget = HG_NOTE_PAGES_MAX;
	while (ok) {
		ssize_t got = read(maps, buf + have, sizeof(buf) - 1 - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		have += (size_t)got;
		buf[have] = '\0';
		char *line = buf, *nl;
		while (ok && (nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			const char *s = line;
			uintptr_t lo = parse_hex(&s), hi = 0;
			if (*s++ == '-') {
				hi = parse_hex(&s);
				if (*s++ == ' ' && s[0] == 'r' && s[1] == 'w' && s[3] == 'p' && hi > lo)
					ok = note_mapping(pm, lo, hi, mg, &budget);
			}
			line = nl + 1;
		}
		have = (size_t)(buf + have - line);
		memmove(buf, line, have);
		ok = ok && have < sizeof(buf) - 1; /* a line longer than the buffer */
	}
	if (maps >= 0)
		close(maps);
	if (pm >= 0)
		close(pm);
	return ok;
}

void hg_scan_fork_note(bool single_threaded)
{
	/* Only a fork child whose log of its blocks is complete scans by
	 * pages (hg_own_log): for any other process a note serves nothing. */
	struct hg_chunk *const *log;
	size_t nlog;
	bool forked;
	if (noted.lost || !hg_own_log(&log, &nlog, &forked))
		return;
	if (!single_threaded || noted.busy) {
		noted.lost = true;
		return;
	}
	noted.busy = true;
	/* The union with what earlier forks noted (pages written before them
	 * and not since are shared now: pagemap no longer shows them), made
	 * as the pages come: one array, where the pages found and the union
	 * had one each (a mapping and a page fault more at every such fork). */
	struct hg_range *u = NULL;
	size_t nu = 0, cu = 0;
	struct runs_merge mg = { noted.runs, noted.n, 0, &u, &nu, &cu };
	bool ok = note_all(&mg) && merge_old_before(&mg, UINTPTR_MAX);
	if (noted.runs != NULL)
		own_unmap(noted.runs, noted.cap * sizeof(*noted.runs));
	noted.runs = u;
	noted.n = nu;
	noted.cap = cu;
	noted.lost = !ok;
	noted.busy = false;
}

bool hg_scan_fork_noted(void)
{
	return !noted.lost;
}

HG_FORK_CODE void hg_scan_fork_child(void)
{
	if (noted.runs != NULL)
		own_unmap(noted.runs, noted.cap * sizeof(*noted.runs));
	memset(&noted, 0, sizeof(noted));
}

/* Whether the note has page a; *at is where the last answer was found
 * (the pages are asked in increasing order). */
static bool noted_has(uintptr_t a, size_t *at)
{
	size_t i = *at;
	if (i >= noted.n || noted.runs[i].lo > a) {
		size_t lo = 0, hi = noted.n; /* the first run ending after a */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (noted.runs[mid].hi <= a)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
	}
	while (i < noted.n && noted.runs[i].hi <= a)
		i++;
	*at = i;
	return i < noted.n && noted.runs[i].lo <= a;
}

/* The pages of [lo, hi) this process may have written since the fork:
 * present and mapped by it alone, or swapped out (which tells nothing). */
static void scan_written(struct roots *r, uintptr_t lo, uintptr_t hi, int fd)
{
	scan_pages(r, lo, hi, fd, true, false);
}

/* The pages of [lo, hi) this process may have written since the fork, of
 * inherited heap (written: less the chunks) or of a root mapping alike: a
 * page still shared with the parent holds what the parent wrote before the
 * fork, which cannot point to a block the child allocated since (a stale
 * pointer there could only keep one falsely reachable).  A page that is
 * not present was never written at all.  present: any page there or
 * swapped out instead, written since a fork or not (a process's roots). */
static void scan_pages(struct roots *r, uintptr_t lo, uintptr_t hi, int fd, bool written,
		       bool present)
{
	const uint64_t want = present ? HG_PM_PRESENT : HG_PM_PRESENT | HG_PM_EXCLUSIVE;
	uintptr_t page = hg_page_size;
	size_t at = 0;
	for (uintptr_t a = lo & ~(page - 1); a < hi;) {
		size_t npages = (hi - a + page - 1) / page;
		if (npages > HG_PM_WINDOW)
			npages = HG_PM_WINDOW;
		ssize_t got = pread(fd, r->pm, npages * sizeof(r->pm[0]),
				    (off_t)(a / page * sizeof(r->pm[0])));
		if (got < (ssize_t)sizeof(r->pm[0])) { /* cannot tell: all of it */
			if (written) {
				scan_between_chunks(r, a > lo ? a : lo, hi);
			} else {
				r->bytes += hi - (a > lo ? a : lo);
				scan_words(r->m, a > lo ? a : lo, hi);
			}
			return;
		}
		size_t n = (size_t)got / sizeof(r->pm[0]);
		for (size_t i = 0; i < n; i++) {
			uint64_t e = r->pm[i];
			uintptr_t plo = a + i * page, phi = plo + page;
			if (!(e & HG_PM_SWAPPED) && (e & want) != want &&
			    (present || !noted_has(plo, &at)))
				continue;
			plo = plo < lo ? lo : plo;
			phi = phi > hi ? hi : phi;
			if (written) {
				scan_between_chunks(r, plo, phi);
			} else {
				r->bytes += phi - plo;
				scan_words(r->m, plo, phi);
			}
		}
		a += n * page;
	}
}

static void scan_inherited(struct roots *r, unsigned *faults)
{
	volatile size_t i = 0; /* survives a fault's longjmp: that range is skipped */
	if (sigsetjmp(fault.env, 1) != 0) {
		(*faults)++;
		i++;
	}
	for (; i < r->in->ninherited; i++)
		scan_written(r, r->in->inherited[i].lo, r->in->inherited[i].hi, r->in->pagemap);
}

/* ---- the classification ---- */

static uint64_t now_us(void)
{
	return now_ns() / 1000;
}

/* Roots given by the caller instead of the process's memory: each range
 * less the exclusions, as a mapping would be scanned. */
static void scan_given_roots(struct roots *r, const struct hg_range *roots, size_t nroots,
			     unsigned *faults)
{
	volatile size_t i = 0; /* survives a fault's longjmp: that range is skipped */
	if (sigsetjmp(fault.env, 1) != 0) {
		(*faults)++;
		i++;
	}
	for (; i < nroots; i++)
		scan_root_pieces(r, roots[i].lo, roots[i].hi, false);
}

/* roots NULL: the process's memory, threads and registers are the roots. */
static bool classify(const struct hg_scan_input *in, const struct hg_world *w,
		     const struct hg_range *roots, size_t nroots, struct hg_scan_stats *stats)
{
	uint64_t t0 = now_us();
	memset(stats, 0, sizeof(*stats));
	stats->threads = w->threads + 1;
	stats->not_stopped = w->not_stopped;
	size_t n = in->count;
	for (size_t i = 0; i < n; i++)
		in->chunks[i].kind = HG_REACHABLE;
	if (n == 0)
		return true;
	/* start[], state[], the mark stack, the exclusions and the roots'
	 * state, in one piece: the parts every scan writes first, sized by
	 * the threads actually paused, then the windows and the dead stacks'
	 * room, which a scan uses in part or not at all.  A process of one
	 * thread writes two pages of it, where it wrote five when each part
	 * had room for HG_STOP_MAX threads (a page fault each). */
	unsigned nslots = stop.nslots < HG_STOP_MAX ? stop.nslots : HG_STOP_MAX;
	size_t nex_max = in->nexclude + HG_OWN_MAX + nslots + 2;
	size_t nsps_max = (size_t)nslots * 2 + 1;
	size_t len = sizeof(struct marker) + sizeof(struct roots) + n * sizeof(uintptr_t) +
		     n * sizeof(uint32_t) + nex_max * sizeof(struct hg_range) +
		     nsps_max * sizeof(uintptr_t) + n + 64 + HG_PM_WINDOW * sizeof(uint64_t) +
		     HG_VEC_WINDOW + HG_DEAD_STACKS_MAX * sizeof(struct hg_dead_stack);
	char *mem = hg_scan_map(len);
	if (mem == NULL)
		return false;
	struct marker *m = (struct marker *)mem;
	struct roots *r = (struct roots *)(m + 1);
	m->start = (uintptr_t *)(r + 1);
	m->stack = (uint32_t *)(m->start + n);
	r->exclude = (struct hg_range *)(((uintptr_t)(m->stack + n) + 7) & ~(uintptr_t)7);
	r->sps = (uintptr_t *)(r->exclude + nex_max);
	m->state = (uint8_t *)(r->sps + nsps_max);
	r->pm = (uint64_t *)(((uintptr_t)(m->state + n) + 15) & ~(uintptr_t)15);
	r->vec = (unsigned char *)(r->pm + HG_PM_WINDOW);
	r->dead = (struct hg_dead_stack *)(r->vec + HG_VEC_WINDOW);
	m->map_len = len;
	m->chunks = in->chunks;
	m->count = n;
	m->self = SIZE_MAX;
	for (size_t i = 0; i < n; i++)
		((uintptr_t *)m->start)[i] = in->chunks[i].user;
	m->min = in->chunks[0].user;
	m->max = 0;
	for (size_t i = 0; i < n; i++) {
		uintptr_t end = in->chunks[i].user +
				(in->chunks[i].requested ? in->chunks[i].requested : 1);
		if (end > m->max)
			m->max = end;
	}
	m->regions = NULL;
	index_chunks(m); /* before the exclusions: its mapping is one */
	r->m = m;
	r->in = in;
	r->nslots = nslots;
	/* A fork child's is open already; a scan of given roots reads them whole. */
	r->pagemap = in->pagemap >= 0 ? in->pagemap
		     : roots == NULL  ? open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
				      : -1;
	m->pagemap = r->pagemap;
	m->pm = r->pm;
	size_t maps_len = 0, maps_map_len = 0;
	char *maps = roots == NULL ? hg_scan_read_file("/proc/self/maps", &maps_len, &maps_map_len)
				   : NULL;
	r->nexclude = build_exclusions(r, r->exclude, nex_max);
	for (unsigned i = 0; stop.slots != NULL && i < nslots; i++) {
		r->sps[r->nsps++] = stop.slots[i].sp;
		r->sps[r->nsps++] = stop.slots[i].handler_sp;
	}
	r->sps[r->nsps++] = in->caller_sp + HG_RED_ZONE;
	sort_words(r->sps, r->nsps);
	/* A thread that did not pause (or past HG_STOP_MAX) has no sp here:
	 * were it on a stack recorded dead, its frames would be skipped. */
	if (w->all_answered && stop.nslots <= HG_STOP_MAX)
		r->ndead = hg_thread_dead_stacks(r->dead, HG_DEAD_STACKS_MAX);

	fault_guard_on();
	/* Reachable: from the roots, then transitively.  A fork child's
	 * inherited blocks are its parent's to report, and roots here. */
	m->want = UNREACHED;
	m->set = REACHABLE;
	for (size_t i = 0; i < n; i++) {
		if (in->chunks[i].inherited) {
			m->state[i] = REACHABLE;
			m->stack[m->top] = (uint32_t)i;
			m->top = m->top + 1;
		}
	}
	if (roots == NULL)
		scan_roots(r, maps, maps_len, &stats->faults);
	else
		scan_given_roots(r, roots, nroots, &stats->faults);
	if (in->ninherited > 0)
		scan_inherited(r, &stats->faults);
	drain_reachable(m, &stats->faults);
	mark_indirect(m, &stats->faults);
	fault_guard_off();
	hg_scan_unmap_used(maps, maps_map_len, maps_len);
	if (r->pagemap >= 0 && r->pagemap != in->pagemap)
		close(r->pagemap);
	if (m->regions != NULL)
		stats->index_bytes = (m->region_mask + 1) * sizeof(struct region);
	unindex_chunks(m);

	for (size_t i = 0; i < n; i++)
		in->chunks[i].kind = m->state[i] == REACHABLE  ? HG_REACHABLE
				     : m->state[i] == INDIRECT ? HG_INDIRECT
							       : HG_LOST;
	stats->roots_bytes = r->bytes;
	stats->heap_bytes = r->heap_bytes;
	stats->blocks = n;
	hg_scan_unmap(mem, len);
	stats->microseconds = now_us() - t0;
	return true;
}

bool hg_scan_classify(const struct hg_scan_input *in, const struct hg_world *w,
		      struct hg_scan_stats *stats)
{
	return classify(in, w, NULL, 0, stats);
}

bool hg_scan_classify_from(const struct hg_scan_input *in, const struct hg_range *roots,
			   size_t nroots, struct hg_scan_stats *stats)
{
	static const struct hg_range none;
	static const struct hg_world alone = { 0, 0, false };
	return classify(in, &alone, roots != NULL ? roots : &none, nroots, stats);
}
