/* SPDX-License-Identifier: MIT */
/* The leak report at exit; see leaks.h.  Order matters: the arenas are
 * locked (try only), the other threads paused, the live chunks copied,
 * scanned and classified; only then does anything else run again.  The
 * file is written from the copies, with mmap'd memory only, and the
 * modules its stacks name are listed then, the loader's lock free again. */
#define _GNU_SOURCE
#include "leaks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../guard/guard.h"
#include "../guard/owners.h"
#include "../guard/sample.h"
#include "../base/diag.h"
#include "../base/fmt.h"
#include "../format/leaks.h"
#include "../lib/lib.h"
#include "../lib/walk.h"
#include "gzfile.h"
#include "../stack/cfi.h"
#include "../stack/modules.h"
#include "reportfile.h"
#include "runfile.h"
#include "exit.h"
#include "scan.h"
#include "suppress.h"
#include "../stack/stack.h"
#include "../stack/unwind.h"

#define HG_SITE_THREADS HG_LEAKS_THREADS_LISTED
#define HG_PATH		HG_REPORT_PATH
/* The ranges of heapguard's own mappings that the depot, the stack walk
 * (rules and memos), level=full's side table of owners and the report
 * writer list. */
#define HG_OWN_LISTED                                                                  \
	(HG_DEPOT_RANGES + HG_CFI_RANGES + HG_CFI_MEMO_POOLS + HG_OWNER_RANGES_MAX + HG_GZ_RANGES)

/* One allocation site of one kind. */
struct hg_site {
	uint64_t blocks, bytes, min, max;
	uint32_t stack;
	uint8_t kind;
	uint8_t nthreads;
	bool more_threads;
	uint16_t threads[HG_SITE_THREADS];
	const char *suppressed; /* the suppressions= rule that matched, or NULL */
};

struct hg_amount {
	uint64_t bytes, blocks;
};

/* ---- collecting the live chunks ---- */

struct collect {
	struct hg_live *chunks;
	size_t count, max;	 /* max 0: only count */
	struct hg_range *mapped; /* mmap'd chunks' mappings (exclusions) */
	size_t nmapped, max_mapped;
};
static struct collect *collecting; /* hg_region_mmap_each_locked takes no context */

static void take(struct collect *k, struct hg_chunk *c)
{
	size_t state = hg_chunk_state(c) & (HG_INUSE | HG_QUARANTINED | HG_ISOLATED);
	if (state != HG_INUSE)
		return;
	if (k->max == 0) { /* sizing: heapguard's own blocks too */
		k->count++;
		return;
	}
	struct hg_origin o;
	bool known = hg_chunk_origin(c, &o);
	if (known && o.alloc_stack == HG_STACK_INTERNAL)
		return; /* heapguard's own (libunwind's), not the program's */
	if (k->count == k->max)
		return;
	struct hg_live *l = &k->chunks[k->count++];
	l->user = (uintptr_t)hg_chunk2mem(c);
	l->mmapped = hg_chunk_is_mmapped(c) != 0;
	l->inherited = !hg_chunk_is_own(c);
	l->fresh = hg_chunk_is_new(c);
	if (known) {
		l->requested = o.requested;
		l->stack = o.alloc_stack;
		l->thread = o.alloc_thread;
	} else {
		l->requested = hg_chunk_usable(c);
		l->stack = 0;
		l->thread = 0;
	}
}

static bool take_heap(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	if (c != av->top && hg_chunk_size(c) > HG_CHUNK_HDR)
		take(ctx, c);
	return true;
}

static void take_mmapped(struct hg_chunk *c)
{
	struct collect *k = collecting;
	size_t head = hg_chunk_head(c);
	if (hg_chunk_bad_checksum(c, head))
		return; /* the walker's rule: only verifying headers are trusted */
	if (k->max != 0 && k->nmapped < k->max_mapped)
		k->mapped[k->nmapped++] = (struct hg_range){ (uintptr_t)c - c->prev_size,
							     (uintptr_t)c + (head & HG_SIZE_MASK) };
	else if (k->max == 0)
		k->nmapped++;
	take(k, c);
}

static void collect_all(struct collect *k)
{
	collecting = k;
	hg_walk_heap(take_heap, NULL, k);
	hg_region_mmap_each_locked(take_mmapped);
}

/* ---- a fork child's own blocks ---- */

/* The child's view: its own blocks from the log (lib.h, hg_own_log) and
 * its own mmap'd ones are the chunks; the heap's segments and the
 * inherited mmap'd blocks are memory it inherited, of which the scan reads
 * only the pages it wrote (scan.h).  Its exit costs what it did, not the
 * heap it inherited. */
struct child {
	struct hg_range *segs; /* sorted */
	size_t nsegs, max_segs;
	struct hg_range *inherited; /* segments, then inherited mmap'd blocks */
	size_t ninherited, max_inherited;
};
static struct child *child_of; /* hg_region_mmap_each_locked takes no context */

static void note_segment(struct hg_arena *av, uintptr_t lo, uintptr_t hi, void *ctx)
{
	struct child *ch = ctx;
	/* Past top's header nothing was ever handed out: the reservation
	 * beyond need not be looked at page by page. */
	uintptr_t top = (uintptr_t)av->top;
	if (top >= lo && top < hi)
		hi = top + HG_CHUNK_HDR;
	if (ch->nsegs < ch->max_segs && lo < hi)
		ch->segs[ch->nsegs++] = (struct hg_range){ lo, hi };
}

/* The segment holding [a, a + len), or NULL. */
static const struct hg_range *segment_of(const struct child *ch, uintptr_t a, size_t len)
{
	size_t lo = 0, hi = ch->nsegs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ch->segs[mid].hi <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ch->nsegs && ch->segs[lo].lo <= a && len <= ch->segs[lo].hi - a)
		return &ch->segs[lo];
	return NULL;
}

/* A logged chunk that is still one of the child's blocks: in a segment,
 * its header verifying at its address, allocated, of this generation.  A
 * logged chunk freed since, merged into another or split, fails one of
 * these (the headers left inside a merged chunk are free ones). */
static void take_logged(struct collect *k, const struct child *ch, struct hg_chunk *c)
{
	const struct hg_range *seg = segment_of(ch, (uintptr_t)c, HG_CHUNK_HDR);
	if (seg == NULL)
		return;
	size_t head = hg_chunk_head(c);
	size_t size = head & HG_SIZE_MASK;
	if (hg_chunk_bad_checksum(c, head) || (head & HG_IS_MMAPPED) || size < HG_MINSIZE ||
	    size > seg->hi - (uintptr_t)c || (head & HG_STATE_BITS) != HG_INUSE ||
	    !hg_chunk_is_own(c))
		return;
	take(k, c);
}

/* Inherited mmap'd blocks are memory inherited; own ones are chunks.
 * Both are left out of the roots read from /proc/self/maps. */
static void take_mmapped_child(struct hg_chunk *c)
{
	struct collect *k = collecting;
	struct child *ch = child_of;
	size_t head = hg_chunk_head(c);
	if (hg_chunk_bad_checksum(c, head))
		return;
	if (k->nmapped < k->max_mapped)
		k->mapped[k->nmapped++] = (struct hg_range){ (uintptr_t)c - c->prev_size,
							     (uintptr_t)c + (head & HG_SIZE_MASK) };
	if (hg_chunk_is_own(c)) {
		take(k, c);
	} else if ((head & HG_STATE_BITS) == HG_INUSE && ch->ninherited < ch->max_inherited) {
		uintptr_t user = (uintptr_t)hg_chunk2mem(c);
		ch->inherited[ch->ninherited++] =
			(struct hg_range){ user, user + hg_chunk_usable(c) };
	}
}

static size_t count_mmapped;
static void count_one_mmapped(struct hg_chunk *c)
{
	(void)c;
	count_mmapped++;
}

static void count_segment(struct hg_arena *av, uintptr_t lo, uintptr_t hi, void *ctx)
{
	(void)av;
	(void)lo;
	(void)hi;
	(*(size_t *)ctx)++;
}

/* ---- sorting (glibc's qsort may malloc) ---- */

static inline uint64_t sort_key(const struct hg_live *x, bool by_site)
{
	return by_site ? (uint64_t)x->kind << 32 | x->stack : x->user >> 4;
}

/* Bottom-up merge sort (stable, n log n, no recursion) of n elements of
 * size bytes, x before y when before(x, y, ctx); the result ends up in a. */
static void merge_sort(void *a, void *tmp, size_t n, size_t size,
		       bool (*before)(const void *x, const void *y, const void *ctx), const void *ctx)
{
	char *src = a, *dst = tmp;
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi) {
				size_t from = before(src + j * size, src + i * size, ctx) ? j++ : i++;
				memcpy(dst + o++ * size, src + from * size, size);
			}
			memcpy(dst + o * size, src + i * size, (mid - i) * size);
			o += mid - i;
			memcpy(dst + o * size, src + j * size, (hi - j) * size);
		}
		char *t = src;
		src = dst;
		dst = t;
	}
	if (src != (char *)a)
		memcpy(a, src, n * size);
}

static bool block_before(const void *x, const void *y, const void *by_site)
{
	return sort_key(x, *(const bool *)by_site) < sort_key(y, *(const bool *)by_site);
}

/* Blocks by a 44-bit key: an LSD radix sort, 11 bits a pass, passes
 * where every key has the same digit skipped; below HG_MERGE_SORT_MAX
 * blocks a merge sort.  Both are stable.  The result ends up in a. */
#define HG_MERGE_SORT_MAX 1024
static void sort_blocks(struct hg_live *a, struct hg_live *tmp, size_t n, bool by_site)
{
	/* The heap walk hands a one-arena heap's chunks in address order. */
	size_t sorted = 1;
	while (sorted < n && sort_key(&a[sorted - 1], by_site) <= sort_key(&a[sorted], by_site))
		sorted++;
	if (sorted >= n)
		return;
	/* A short process's few hundred blocks: a merge sort, rather than
	 * clearing and summing the 64 KiB of counts (16 page faults, the
	 * first time, in a process that has touched only a few dozen). */
	if (n <= HG_MERGE_SORT_MAX) {
		merge_sort(a, tmp, n, sizeof(*a), block_before, &by_site);
		return;
	}
	static size_t count[4][2048];
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++) {
		uint64_t k = sort_key(&a[i], by_site);
		for (int d = 0; d < 4; d++)
			count[d][(k >> (11 * d)) & 2047]++;
	}
	struct hg_live *src = a, *dst = tmp;
	for (int d = 0; d < 4; d++) {
		size_t sum = 0;
		bool trivial = false;
		for (int b = 0; b < 2048; b++) {
			if (count[d][b] == n)
				trivial = true;
			size_t c = count[d][b];
			count[d][b] = sum;
			sum += c;
		}
		if (trivial)
			continue;
		for (size_t i = 0; i < n; i++) {
			uint64_t k = sort_key(&src[i], by_site);
			dst[count[d][(k >> (11 * d)) & 2047]++] = src[i];
		}
		struct hg_live *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

/* Sites: lost, indirect, reachable; then bytes descending; then stack. */
static bool site_before(const void *a, const void *b, const void *ctx)
{
	(void)ctx;
	const struct hg_site *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes;
	return x->stack < y->stack;
}

static void sort_u32(uint32_t *a, uint32_t *tmp, size_t n)
{
	size_t count[256];
	uint32_t *src = a, *dst = tmp;
	for (int shift = 0; shift < 32; shift += 8) {
		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[(src[i] >> shift) & 255]++;
		size_t sum = 0;
		for (int b = 0; b < 256; b++) {
			size_t c = count[b];
			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 255]++] = src[i];
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	/* four passes: the result is back in a */
}

/* ---- grouping ---- */

static void site_add_thread(struct hg_site *s, uint16_t t)
{
	for (unsigned i = 0; i < s->nthreads; i++)
		if (s->threads[i] == t)
			return;
	if (s->nthreads == HG_SITE_THREADS) {
		s->more_threads = true;
		return;
	}
	unsigned i = s->nthreads++;
	while (i > 0 && s->threads[i - 1] > t) { /* kept sorted */
		s->threads[i] = s->threads[i - 1];
		i--;
	}
	s->threads[i] = t;
}

/* chunks sorted by (kind, stack) -> one site per run. */
static size_t group_sites(const struct hg_live *c, size_t n, struct hg_site *sites,
			  struct hg_amount totals[HG_KINDS])
{
	size_t ns = 0;
	for (size_t i = 0; i < n; i++) {
		struct hg_site *s = ns > 0 ? &sites[ns - 1] : NULL;
		if (s == NULL || s->kind != c[i].kind || s->stack != c[i].stack) {
			s = &sites[ns++];
			memset(s, 0, sizeof(*s));
			s->kind = c[i].kind;
			s->stack = c[i].stack;
			s->min = UINT64_MAX;
		}
		uint64_t req = c[i].requested;
		s->blocks++;
		s->bytes += req;
		s->min = req < s->min ? req : s->min;
		s->max = req > s->max ? req : s->max;
		site_add_thread(s, c[i].thread);
		totals[c[i].kind].bytes += req;
		totals[c[i].kind].blocks++;
	}
	return ns;
}

/* ---- the file ---- */

struct report {
	int status;
	unsigned checkpoint;  /* a checkpoint's number, 0 at exit */
	uint64_t interval_us; /* a checkpoint's time since the one before */
	time_t now;
	const char *exe;
	const struct hg_modules *modules;
	struct hg_site *sites;
	size_t nsites;
	uint32_t *stacks; /* ids written, sorted, unique */
	size_t nstacks;
	struct hg_amount totals[HG_KINDS];
	struct hg_amount suppressed;	     /* lost + indirect of the suppressed sites */
	struct hg_amount unsuppressed[HG_KINDS]; /* totals less the suppressed sites */
	size_t unsuppressed_sites;	     /* lost and indirect sites not suppressed */
	struct hg_scan_stats scan;
};

/* An error's stack as the report can name it: 0 unless the depot has it
 * (then it is among the report's stack records). */
static uint32_t known_stack(uint32_t id)
{
	const uintptr_t *frames;
	return id != 0 && id != HG_STACK_INTERNAL && hg_stack_frames(id, &frames) != 0 ? id : 0;
}

static void write_site(struct hg_gzfile *gz, const struct hg_site *s)
{
	char threads[HG_SITE_THREADS * 7 + 4];
	size_t t = 0;
	for (unsigned j = 0; j < s->nthreads; j++)
		t += hg_fmt(threads + t, sizeof(threads) - t, "%s%u", j ? "," : "", s->threads[j]);
	if (s->more_threads)
		hg_fmt(threads + t, sizeof(threads) - t, HG_LEAKS_MORE_THREADS);
	hg_gz_printf(gz, HG_LEAKS_SITE " %s %u %lu %lu %lu %lu %s",
		     hg_leak_kind_name((enum hg_leak_kind)s->kind), s->stack,
		     (unsigned long)s->blocks, (unsigned long)s->bytes, (unsigned long)s->min,
		     (unsigned long)s->max, threads);
	if (s->suppressed != NULL) {
		hg_gz_puts(gz, " " HG_LEAKS_SUPPRESSED_BY);
		hg_gz_escaped(gz, s->suppressed, strlen(s->suppressed));
	}
	hg_gz_puts(gz, "\n");
}

/* The heap errors kept by base/diag.c: a count, then the first ones. */
static void write_errors(struct hg_gzfile *gz)
{
	const struct hg_diag_error *e;
	unsigned n = hg_diag_errors(&e);
	if (n > HG_LEAKS_ERRORS_LISTED)
		n = HG_LEAKS_ERRORS_LISTED;
	hg_gz_printf(gz, HG_LEAKS_ERRORS " %lu %u\n",
		     __atomic_load_n(&hg_errors_reported, __ATOMIC_RELAXED), n);
	for (unsigned i = 0; i < n; i++) {
		hg_gz_printf(gz, HG_LEAKS_ERROR " %s 0x%lx %u %u %u ", hg_diag_kind_name(e[i].kind),
			     (unsigned long)e[i].address, known_stack(e[i].stack),
			     known_stack(e[i].alloc_stack), known_stack(e[i].free_stack));
		hg_gz_escaped(gz, e[i].message, strlen(e[i].message));
		hg_gz_puts(gz, "\n");
	}
}

static void write_report(struct hg_gzfile *gz, const struct report *r)
{
	hg_gz_printf(gz, HG_LEAKS_MAGIC " %d\n", HG_LEAKS_FORMAT_VERSION);
	hg_reportfile_write_process(gz, r->exe, r->now);
	if (r->status < 0) /* HG_STATUS_UNKNOWN: an abort */
		hg_gz_puts(gz, HG_FMT_STATUS " " HG_FMT_STATUS_UNKNOWN "\n");
	else
		hg_gz_printf(gz, HG_FMT_STATUS " %u\n", (unsigned)r->status & 0xff);
	hg_reportfile_write_setup(gz, r->modules);
	size_t nstacks = 0;
	for (size_t i = 0; i < r->nstacks; i++)
		nstacks += hg_reportfile_write_stack(gz, r->modules, r->stacks[i]);
	if (r->checkpoint != 0)
		hg_gz_printf(gz, HG_LEAKS_CHECKPOINT " %u %lu\n", r->checkpoint,
			     (unsigned long)r->interval_us);
	write_errors(gz);
	for (size_t i = 0; i < r->nsites; i++)
		write_site(gz, &r->sites[i]);
	hg_gz_puts(gz, HG_LEAKS_TOTALS);
	for (int k = 0; k < HG_KINDS; k++)
		hg_gz_printf(gz, " %lu %lu", (unsigned long)r->totals[k].bytes,
			     (unsigned long)r->totals[k].blocks);
	hg_gz_puts(gz, "\n");
	hg_gz_printf(gz, HG_LEAKS_SUPPRESSED " %lu %lu\n", (unsigned long)r->suppressed.bytes,
		     (unsigned long)r->suppressed.blocks);
	struct hg_depot_stats d;
	memset(&d, 0, sizeof(d));
	hg_depot_stats(&d);
	hg_gz_printf(gz, HG_LEAKS_DEPOT " %zu %zu %zu %zu\n", d.stacks, d.bytes, d.captures,
		     d.hits);
	hg_gz_printf(gz, HG_LEAKS_SCAN " %lu %u %u %lu %lu %lu\n", (unsigned long)r->scan.roots_bytes,
		     r->scan.threads, r->scan.not_stopped, (unsigned long)r->scan.microseconds,
		     (unsigned long)r->scan.blocks, (unsigned long)r->scan.heap_bytes);
	hg_gz_printf(gz, HG_LEAKS_END " %zu %zu\n", r->nsites, nstacks);
}

/* ---- the whole thing ---- */

struct memory {
	struct hg_live *chunks, *tmp;
	size_t chunks_len;
	struct hg_range *exclude;
	size_t exclude_len;
	struct hg_site *sites;
	size_t sites_len;
};

/* Exclusions: every segment of the main arena and mmap'd chunk (the other
 * arenas' heaps go by their 64 MiB slots, see scan.c), and heapguard's
 * own static data.  The allocator's globals hold free-list heads and top,
 * i.e. chunk-header addresses; at level=fast a block's range runs into
 * the next chunk's header, so they would keep leaked blocks "reachable".
 * They never hold a pointer the program gave us.  When the allocator is
 * linked into the executable itself (unit tests) only the main arena is
 * left out: the rest is the program's. */
static size_t build_exclusions(struct collect *k, struct hg_range *ex, size_t max)
{
	size_t n = 0;
	if (hg_region_first.hi != 0)
		ex[n++] = (struct hg_range){ hg_region_first.lo, hg_region_first.hi };
	const struct hg_segment *seg;
	unsigned nseg = hg_region_other_segments(&seg);
	for (unsigned i = 0; i < nseg && n < max; i++)
		ex[n++] = (struct hg_range){ seg[i].lo, seg[i].hi };
	for (size_t i = 0; i < k->nmapped && n < max; i++)
		ex[n++] = k->mapped[i];
	ex[n++] = (struct hg_range){ (uintptr_t)&hg_main_arena, (uintptr_t)(&hg_main_arena + 1) };
	/* The sampled slots' pool: its live blocks are chunks (in mapped), the
	 * rest guard and freed pages, readable or not as the kernel allows. */
	uintptr_t pool_lo = __atomic_load_n(&hg_sample_lo, __ATOMIC_ACQUIRE);
	if (pool_lo != UINTPTR_MAX && n < max)
		ex[n++] = (struct hg_range){ pool_lo, hg_sample_hi };
	/* A fork child's log of its blocks (header addresses). */
	uintptr_t log_lo, log_hi;
	hg_own_log_range(&log_lo, &log_hi);
	if (log_lo != log_hi && n < max)
		ex[n++] = (struct hg_range){ log_lo, log_hi };
	/* The stack depot (return addresses only, and big), the stack walk's
	 * rule tables and its threads' memos, level=full's side table of
	 * owners, the last report's mapping: one buffer for the ranges each
	 * of them lists. */
	_Static_assert(HG_OWNER_RANGES_MAX >= HG_DEPOT_RANGES && HG_OWNER_RANGES_MAX >= HG_CFI_RANGES &&
			       HG_OWNER_RANGES_MAX >= HG_CFI_MEMO_POOLS &&
			       HG_OWNER_RANGES_MAX >= HG_GZ_RANGES,
		       "one buffer holds every list of ranges");
	uintptr_t lo[HG_OWNER_RANGES_MAX], hi[HG_OWNER_RANGES_MAX];
	unsigned (*const lists[])(uintptr_t *, uintptr_t *) = {
		hg_depot_memory, hg_cfi_memory, hg_cfi_memo_memory, hg_owner_memory, hg_gz_memory
	};
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		unsigned count = lists[l](lo, hi);
		for (unsigned i = 0; i < count && n < max; i++)
			ex[n++] = (struct hg_range){ lo[i], hi[i] };
	}
	unsigned count = hg_modules_own_writable(lo, hi, HG_OWNER_RANGES_MAX);
	for (unsigned i = 0; i < count && n < max; i++)
		ex[n++] = (struct hg_range){ lo[i], hi[i] };
	return n;
}

static void free_memory(struct memory *mem)
{
	hg_scan_unmap(mem->chunks, mem->chunks_len);
	hg_scan_unmap(mem->exclude, mem->exclude_len);
	hg_scan_unmap(mem->sites, mem->sites_len);
}

/* A fork child that knows its own blocks: classify those, with the
 * inherited memory it wrote as roots besides the usual ones.  1: done, 0:
 * no memory, -1: the log does not add up (chunks overlap), walk the heap
 * instead. */
static int scan_child(const struct hg_tls_span *tls,
		      uintptr_t caller_sp, const uintptr_t *regs, unsigned nregs,
		      struct memory *mem, struct collect *k, struct hg_scan_stats *stats,
		      const struct hg_world *world, struct hg_chunk *const *log, size_t nlog,
		      int pagemap)
{
	HG_FORK_STATE static struct child ch;
	memset(&ch, 0, sizeof(ch));
	memset(k, 0, sizeof(*k));
	size_t nsegs = 0;
	hg_walk_segment_list(count_segment, &nsegs);
	count_mmapped = 0;
	hg_region_mmap_each_locked(count_one_mmapped);
	/* Room for the chunks and mappings of threads that did not pause, and
	 * for the main arena's further segments (those are counted: the arena
	 * is locked).  A child alone (most are) needs no room: each part of
	 * the two pieces is then written near its start, in two pages or
	 * three, where the room spread them over six (a page fault each). */
	size_t room = world->threads + world->not_stopped > 0 ? 1024 : 0;
	const struct hg_segment *other;
	size_t max = nlog + count_mmapped + room, max_mapped = count_mmapped + room;
	size_t nex = max_mapped + hg_region_other_segments(&other) + 64 + HG_OWN_LISTED;
	ch.max_segs = nsegs;
	ch.max_inherited = nsegs + count_mmapped;
	mem->chunks_len = 2 * max * sizeof(struct hg_live);
	mem->exclude_len = (max_mapped + nex + ch.max_segs + ch.max_inherited) *
			   sizeof(struct hg_range);
	mem->chunks = hg_scan_map(mem->chunks_len);
	mem->exclude = hg_scan_map(mem->exclude_len);
	if (mem->chunks == NULL || mem->exclude == NULL)
		return 0;
	mem->tmp = mem->chunks + max;
	ch.segs = mem->exclude + nex + max_mapped;
	ch.inherited = ch.segs + ch.max_segs;
	hg_walk_segment_list(note_segment, &ch);
	hg_scan_sort_ranges(ch.segs, ch.nsegs);
	for (size_t i = 0; i < ch.nsegs; i++)
		ch.inherited[ch.ninherited++] = ch.segs[i];
	k->chunks = mem->chunks;
	k->max = max;
	k->mapped = mem->exclude + nex;
	k->max_mapped = max_mapped;
	for (size_t i = 0; i < nlog; i++)
		take_logged(k, &ch, log[i]);
	collecting = k;
	child_of = &ch;
	hg_region_mmap_each_locked(take_mmapped_child);
	hg_scan_sort_ranges(ch.inherited, ch.ninherited);
	sort_blocks(k->chunks, mem->tmp, k->count, false);
	size_t n = 0; /* a chunk handed twice is logged twice */
	for (size_t i = 0; i < k->count; i++) {
		if (n > 0 && k->chunks[n - 1].user == k->chunks[i].user)
			continue;
		if (n > 0 && k->chunks[n - 1].user + k->chunks[n - 1].requested > k->chunks[i].user)
			return -1;
		k->chunks[n++] = k->chunks[i];
	}
	k->count = n;
	struct hg_scan_input in = {
		.chunks = k->chunks,
		.count = k->count,
		.exclude = mem->exclude,
		.nexclude = build_exclusions(k, mem->exclude, nex),
		.tls = *tls,
		.caller_sp = caller_sp,
		.caller_regs = regs,
		.ncaller_regs = nregs,
		.inherited = ch.inherited,
		.ninherited = ch.ninherited,
		.pagemap = pagemap,
	};
	return hg_scan_classify(&in, world, stats) ? 1 : 0;
}

static const char heap_busy[] = "the heap was locked by another thread or an interrupted call";

/* A checkpoint has seen the process's own live blocks: N cleared on
 * each, while the world is still paused, so that the next checkpoint's new
 * blocks are those handed out after this one's scan. */
static void forget_new(const struct collect *k)
{
	for (size_t i = 0; i < k->count; i++)
		if (k->chunks[i].fresh && !k->chunks[i].inherited)
			hg_chunk_clear_new(hg_mem2chunk((void *)k->chunks[i].user));
}

/* Copy and classify every live chunk, with the world paused.  False (the
 * heap was busy, or no memory) means no report. */
static bool scan_heap(const struct hg_tls_span *tls,
		      uintptr_t caller_sp, const uintptr_t *regs, unsigned nregs,
		      struct memory *mem, struct collect *k, struct hg_scan_stats *stats,
		      const char **why, bool checkpoint)
{
	*why = heap_busy;
	if (!hg_arena_try_lock_all())
		return false;
	struct hg_world world;
	hg_world_stop(&world);
	bool ok = false;
	struct hg_chunk *const *log;
	size_t nlog;
	bool forked = false;
	if (hg_own_log(&log, &nlog, &forked) && (!forked || hg_scan_fork_noted())) {
		int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			int got = scan_child(tls, caller_sp, regs, nregs, mem, k, stats,
					     &world, log, nlog, fd);
			close(fd);
			if (got >= 0) {
				ok = got > 0;
				goto out;
			}
			free_memory(mem);
			memset(mem, 0, sizeof(*mem));
		}
	}
	memset(k, 0, sizeof(*k));
	collect_all(k);
	/* Room for chunks allocated by threads that did not pause. */
	size_t max = k->count + k->count / 8 + 1024, max_mapped = k->nmapped + 1024;
	size_t nex = max_mapped + 1024 + 64 + HG_OWN_LISTED;
	mem->chunks_len = 2 * max * sizeof(struct hg_live);
	mem->exclude_len = max_mapped * sizeof(struct hg_range) + nex * sizeof(struct hg_range);
	mem->chunks = hg_scan_map(mem->chunks_len);
	mem->exclude = hg_scan_map(mem->exclude_len);
	*why = "out of memory";
	if (mem->chunks == NULL || mem->exclude == NULL)
		goto out;
	mem->tmp = mem->chunks + max;
	memset(k, 0, sizeof(*k));
	k->chunks = mem->chunks;
	k->max = max;
	k->mapped = mem->exclude + nex;
	k->max_mapped = max_mapped;
	collect_all(k);
	sort_blocks(k->chunks, mem->tmp, k->count, false);
	struct hg_scan_input in = {
		.chunks = k->chunks,
		.count = k->count,
		.exclude = mem->exclude,
		.nexclude = build_exclusions(k, mem->exclude, nex),
		.tls = *tls,
		.caller_sp = caller_sp,
		.caller_regs = regs,
		.ncaller_regs = nregs,
		.pagemap = -1,
	};
	ok = hg_scan_classify(&in, &world, stats);
out:
	if (ok && checkpoint)
		forget_new(k);
	hg_world_resume(&world);
	hg_arena_unlock_all();
	return ok;
}

/* Sites and the stack ids they use, from the classified chunks.  A fork
 * child's inherited blocks took part in the scan (they may hold the only
 * pointer to one of its own) but are its parent's to report.  A
 * checkpoint reports the blocks handed out since the one before. */
static bool make_sites(struct report *r, struct collect *k, struct memory *mem)
{
	size_t own = 0;
	for (size_t i = 0; i < k->count; i++)
		if (!k->chunks[i].inherited && (r->checkpoint == 0 || k->chunks[i].fresh))
			k->chunks[own++] = k->chunks[i];
	k->count = own;
	sort_blocks(k->chunks, mem->tmp, k->count, true);
	size_t max_ids = k->count + 1 + 3 * HG_DIAG_ERRORS_KEPT;
	mem->sites_len = 2 * (k->count + 1) * sizeof(struct hg_site) + 2 * max_ids * sizeof(uint32_t);
	mem->sites = hg_scan_map(mem->sites_len);
	if (mem->sites == NULL)
		return false;
	r->sites = mem->sites;
	r->nsites = group_sites(k->chunks, k->count, r->sites, r->totals);
	merge_sort(r->sites, r->sites + r->nsites, r->nsites, sizeof(*r->sites), site_before, NULL);
	uint32_t *ids = (uint32_t *)(r->sites + 2 * (k->count + 1));
	size_t n = 0;
	for (size_t i = 0; i < r->nsites; i++)
		if (r->sites[i].stack != 0)
			ids[n++] = r->sites[i].stack;
	const struct hg_diag_error *e;
	unsigned nerrors = hg_diag_errors(&e);
	for (unsigned i = 0; i < nerrors && i < HG_LEAKS_ERRORS_LISTED; i++) {
		uint32_t about[3] = { known_stack(e[i].stack), known_stack(e[i].alloc_stack),
				      known_stack(e[i].free_stack) };
		for (int j = 0; j < 3; j++)
			if (about[j] != 0)
				ids[n++] = about[j];
	}
	sort_u32(ids, ids + n, n);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (u == 0 || ids[u - 1] != ids[i])
			ids[u++] = ids[i];
	r->stacks = ids;
	r->nstacks = u;
	return true;
}

/* suppressions=: mark the lost and indirect sites a rule matches. */
static void suppress_sites(struct report *r)
{
	for (int k = 0; k < HG_KINDS; k++)
		r->unsuppressed[k] = r->totals[k];
	for (size_t i = 0; i < r->nsites; i++) {
		struct hg_site *s = &r->sites[i];
		if (s->kind == HG_REACHABLE)
			continue;
		s->suppressed = hg_config.options.suppressions[0] != '\0'
					? hg_suppress_match(s->stack)
					: NULL;
		if (s->suppressed == NULL) {
			r->unsuppressed_sites++;
			continue;
		}
		r->suppressed.bytes += s->bytes;
		r->suppressed.blocks += s->blocks;
		r->unsuppressed[s->kind].bytes -= s->bytes;
		r->unsuppressed[s->kind].blocks -= s->blocks;
	}
}

/* What the scan found stays here until hg_leaks_done. */
static struct hg_modules mods;
/* Written by every exit, a fork child's idle one too: beside the other
 * fork state (compiler.h). */
HG_FORK_STATE static struct report r;
HG_FORK_STATE static struct collect k;
HG_FORK_STATE static struct memory mem;
static char exe[HG_PATH];
HG_FORK_STATE static bool scanned;
static int scan_error; /* why the last scan made no report: EBUSY or ENOMEM */

/* The report's process fields and the modules its stacks name, at its
 * write: the scan needs neither, and a fork child that leaked nothing
 * writes no report (listing the modules read each one's program headers,
 * a page fault apiece in a child that never touched them). */
static bool describe_process(void)
{
	if (r.modules != NULL)
		return true;
	hg_reportfile_exe(exe, sizeof(exe));
	r.exe = exe;
	if (!hg_modules_load(&mods))
		return false;
	r.modules = &mods;
	return true;
}

static __attribute__((noinline)) bool leaks_scan(int status, unsigned checkpoint,
						 uintptr_t caller_sp, const uintptr_t *regs,
						 unsigned nregs, struct hg_leaks_result *out)
{
	memset(&r, 0, sizeof(r));
	memset(&mem, 0, sizeof(mem));
	memset(out, 0, sizeof(*out));
	r.status = status;
	r.checkpoint = checkpoint;
	r.now = time(NULL);
	const char *why = "out of memory";
	struct hg_tls_span tls;
	hg_scan_own_tls(&tls);
	if (!scan_heap(&tls, caller_sp, regs, nregs, &mem, &k, &r.scan, &why,
		       checkpoint != 0) ||
	    !make_sites(&r, &k, &mem)) {
		scan_error = why == heap_busy ? EBUSY : ENOMEM;
		if (!hg_run_active() && checkpoint == 0)
			hg_fmt_fd(2, "heapguard: no leak report: %s\n", why);
		free_memory(&mem);
		return false;
	}
	suppress_sites(&r);
	scanned = true;
	out->lost = r.unsuppressed[HG_LOST].bytes;
	out->lost_blocks = r.unsuppressed[HG_LOST].blocks;
	out->reachable = r.totals[HG_REACHABLE].bytes;
	out->reachable_blocks = r.totals[HG_REACHABLE].blocks;
	out->indirect = r.unsuppressed[HG_INDIRECT].bytes;
	out->indirect_blocks = r.unsuppressed[HG_INDIRECT].blocks;
	out->suppressed = r.suppressed.bytes;
	out->suppressed_blocks = r.suppressed.blocks;
	out->sites = r.unsuppressed_sites;
	return true;
}

/* A fork child with no block of its own has nothing to report: no scan,
 * no stack of the caller, no module list (its record all zero), whatever
 * the heap it inherited; a report asked for all the same (clean_reports=1)
 * lists the modules when it is written. */
static bool leaks_idle(int status, unsigned checkpoint, struct hg_leaks_result *out)
{
	memset(&r, 0, sizeof(r));
	memset(&mem, 0, sizeof(mem));
	memset(out, 0, sizeof(*out));
	r.status = status;
	r.checkpoint = checkpoint;
	scanned = true;
	out->idle = true;
	return true;
}

/* The caller's callee-saved registers, as they are on entry: the only
 * ones that can hold its live pointers across the call.  Its stack is
 * scanned from regs up, which covers those its frame pushed. */
#define CALLER_REGS(regs)                                                                         \
	__asm__ volatile("mov %%rbx, 0(%0)\n\tmov %%rbp, 8(%0)\n\tmov %%r12, 16(%0)\n\t"       \
			 "mov %%r13, 24(%0)\n\tmov %%r14, 32(%0)\n\tmov %%r15, 40(%0)"         \
			 :                                                                        \
			 : "r"(regs)                                                              \
			 : "memory")

/* One scan at a time, exit's or a checkpoint's (the statics above are
 * theirs): the thread that scans, or 0. */
HG_FORK_STATE static pid_t scanning;

static bool scan_claim(bool wait)
{
	pid_t me = gettid();
	struct timespec ms = { 0, 1000000 };
	/* A checkpoint takes well under a second; a minute means something
	 * stopped it for good. */
	for (unsigned tries = 0;; tries++) {
		pid_t expected = 0;
		if (__atomic_compare_exchange_n(&scanning, &expected, me, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
		if (!wait || expected == me || tries == 60000)
			return false;
		nanosleep(&ms, NULL);
	}
}

static void scan_release(void)
{
	if (__atomic_load_n(&scanning, __ATOMIC_RELAXED) == gettid())
		__atomic_store_n(&scanning, 0, __ATOMIC_RELEASE);
}

bool hg_leaks_scan(int status, struct hg_leaks_result *out)
{
	/* A checkpoint in another thread finishes first; the scan itself
	 * cannot come back here (an error while scanning) and wait for
	 * itself. */
	if (!scan_claim(true)) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	if (hg_generation_idle())
		return leaks_idle(status, 0, out);
	uintptr_t regs[6];
	CALLER_REGS(regs);
	return leaks_scan(status, 0, hg_unwind_exit_caller_sp((uintptr_t)regs), regs, 6, out);
}

__attribute__((noinline)) int hg_leaks_checkpoint(unsigned number, uint64_t interval_us,
						  char *final, size_t len,
						  struct hg_leaks_result *out)
{
	final[0] = '\0';
	memset(out, 0, sizeof(*out));
	if (!scan_claim(false))
		return EBUSY;
	bool ok;
	if (hg_generation_idle()) {
		ok = leaks_idle(HG_STATUS_UNKNOWN, number, out);
	} else {
		/* The stack from this frame up: the program's frames, and the
		 * few of heapguard's between (malloc's, when polled), which can
		 * only keep a block reachable, never make one lost. */
		uintptr_t regs[6];
		CALLER_REGS(regs);
		ok = leaks_scan(HG_STATUS_UNKNOWN, number, (uintptr_t)regs, regs, 6, out);
	}
	int err = scan_error;
	if (ok) {
		r.interval_us = interval_us;
		bool fallback;
		err = hg_leaks_write(final, len, &fallback);
	}
	hg_leaks_done();
	return err;
}

int hg_leaks_write(char *final, size_t len, bool *fallback)
{
	*fallback = false;
	final[0] = '\0';
	if (!scanned)
		return EAGAIN;
	if (!describe_process())
		return ENOMEM;
	if (r.now == 0)
		r.now = time(NULL);
	int err;
	char suffix[64] = HG_LEAKS_SUFFIX;
	if (r.checkpoint != 0)
		hg_fmt(suffix, sizeof(suffix), HG_LEAKS_CHECKPOINT_SUFFIX, r.checkpoint);
	struct hg_gzfile *gz =
		hg_reportfile_create(r.exe, r.now, suffix, final, len, fallback, &err);
	if (gz != NULL) {
		write_report(gz, &r);
		err = hg_gz_commit(gz, final, len);
	}
	return err;
}

void hg_leaks_done(void)
{
	if (!scanned) {
		scan_release();
		return;
	}
	scanned = false;
	free_memory(&mem);
	if (r.modules != NULL)
		hg_modules_free(&mods);
	r.modules = NULL;
	scan_release();
}

HG_FORK_CODE void hg_leaks_fork_child(void)
{
	scanning = 0;
}
