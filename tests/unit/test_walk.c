/* SPDX-License-Identifier: MIT */
/* Unit tests of the heap walker (lib/walk.c) and the free-list walk
 * (lib/freelist.c) on a real heap, built with the core's own allocation
 * entry points (hg_chunk_alloc, hg_chunk_free_to_arena): every chunk in
 * address order, where an address lies, what a header that does not verify
 * or a forged link ends; a fork child's log of its blocks.  Linked with the
 * core library, not preloaded: the process's own heap stays glibc's and
 * nothing else touches this one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/freelist.h"
#include "../../lib/internal.h"
#include "../../lib/walk.h"

/* ---- a heap of our own ---- */

/* Sizes that no thread cache bin holds (above 1040 bytes) and small ones
 * (from the cache or the arena), mixed. */
static const size_t sizes[] = { 2048, 32, 4096, 48, 1104, 160, 64, 3008, 528, 96 };
#define NCHUNKS (sizeof(sizes) / sizeof(sizes[0]))
static struct hg_chunk *chunks[NCHUNKS];

/* malloc's way to a chunk: the thread cache, else an arena.  Out of line:
 * inlined with a constant size the compiler checks the cache's array
 * bounds for sizes the cache never holds. */
static __attribute__((noinline)) struct hg_chunk *alloc(size_t nb)
{
	return hg_chunk_alloc(nb);
}

static int build_heap(void **state)
{
	(void)state;
	hg_ensure_init();
	for (size_t i = 0; i < NCHUNKS; i++) {
		chunks[i] = alloc(sizes[i]);
		if (chunks[i] == NULL)
			return -1;
	}
	return 0;
}

static size_t index_of(const struct hg_chunk *c)
{
	for (size_t i = 0; i < NCHUNKS; i++)
		if (chunks[i] == c)
			return i;
	return SIZE_MAX;
}

/* Two chunks of ours one after the other in memory (the first taken from
 * top before the second): a header broken in the first hides the second. */
static void adjacent_pair(struct hg_chunk **first, struct hg_chunk **second)
{
	for (size_t i = 0; i < NCHUNKS; i++)
		for (size_t j = 0; j < NCHUNKS; j++)
			if (hg_chunk_next(chunks[i]) == chunks[j]) {
				*first = chunks[i];
				*second = chunks[j];
				return;
			}
	fail_msg("no two chunks of the test are neighbours");
}

/* ---- hg_walk_segments, hg_walk_heap ---- */

struct seen {
	uintptr_t lo, hi; /* the segment being walked */
	uintptr_t next;	  /* where its next chunk must start */
	unsigned segments, chunks, broken;
	unsigned ours[NCHUNKS];
	struct hg_chunk *broken_at;
	bool out_of_order;
};

static void on_segment(struct hg_arena *av, uintptr_t lo, uintptr_t hi, void *ctx)
{
	(void)av;
	struct seen *s = ctx;
	s->lo = lo;
	s->hi = hi;
	s->next = lo;
	s->segments++;
}

static bool on_chunk(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	(void)av;
	struct seen *s = ctx;
	/* Each chunk starts where the one before it ends. */
	if ((uintptr_t)c != s->next || (uintptr_t)c + hg_chunk_size(c) > s->hi)
		s->out_of_order = true;
	s->next = (uintptr_t)c + hg_chunk_size(c);
	s->chunks++;
	size_t i = index_of(c);
	if (i != SIZE_MAX)
		s->ours[i]++;
	return true;
}

static bool count_chunk(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	(void)av;
	struct seen *s = ctx;
	s->chunks++;
	size_t i = index_of(c);
	if (i != SIZE_MAX)
		s->ours[i]++;
	return true;
}

static void on_broken(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	(void)av;
	struct seen *s = ctx;
	s->broken++;
	s->broken_at = c;
}

static void test_walk_visits_every_chunk_once_in_address_order(void **state)
{
	(void)state;
	struct seen s;
	memset(&s, 0, sizeof(s));
	hg_walk_segments(on_segment, on_chunk, on_broken, &s);
	assert_true(s.segments >= 1);
	assert_false(s.out_of_order);
	assert_int_equal(s.broken, 0);
	for (size_t i = 0; i < NCHUNKS; i++) {
		assert_int_equal(s.ours[i], 1);
		assert_true(hg_chunk_is_allocated(chunks[i]));
	}
	/* The same chunks without the segment callback. */
	struct seen t;
	memset(&t, 0, sizeof(t));
	hg_walk_heap(count_chunk, on_broken, &t);
	assert_int_equal(t.chunks, s.chunks);
	assert_int_equal(t.broken, 0);
	for (size_t i = 0; i < NCHUNKS; i++)
		assert_int_equal(t.ours[i], 1);
}

static bool stop_at_third(struct hg_arena *av, struct hg_chunk *c, void *ctx)
{
	(void)av;
	(void)c;
	unsigned *n = ctx;
	return ++*n < 3;
}

static void test_walk_stops_when_the_visitor_says_so(void **state)
{
	(void)state;
	unsigned n = 0;
	hg_walk_heap(stop_at_third, NULL, &n);
	assert_int_equal(n, 3);
}

/* A corrupted header: the walk of its segment stops there and says where;
 * nothing behind it is visited, nothing before it is lost. */
static void test_walk_stops_at_a_header_that_does_not_verify(void **state)
{
	(void)state;
	struct hg_chunk *bad, *behind;
	adjacent_pair(&bad, &behind);
	size_t saved = bad->head;
	bad->head ^= (size_t)1 << 20; /* a size bit, checksum left as it was */
	struct seen s;
	memset(&s, 0, sizeof(s));
	hg_walk_segments(on_segment, on_chunk, on_broken, &s);
	bad->head = saved;
	assert_int_equal(s.broken, 1);
	assert_ptr_equal(s.broken_at, bad);
	assert_int_equal(s.ours[index_of(bad)], 0);
	assert_int_equal(s.ours[index_of(behind)], 0);
	for (size_t i = 0; i < NCHUNKS; i++)
		if ((uintptr_t)chunks[i] < (uintptr_t)bad)
			assert_int_equal(s.ours[i], 1);
	/* Mended, the whole heap is walked again. */
	memset(&s, 0, sizeof(s));
	hg_walk_segments(on_segment, on_chunk, on_broken, &s);
	assert_int_equal(s.broken, 0);
	assert_int_equal(s.ours[index_of(behind)], 1);
}

/* ---- hg_walk_locate ---- */

static void test_locate_tells_chunk_starts_from_interiors(void **state)
{
	(void)state;
	for (size_t i = 0; i < NCHUNKS; i++) {
		struct hg_chunk *c = chunks[i], *found = NULL;
		assert_int_equal(hg_walk_locate((uintptr_t)c, &found), HG_AT_CHUNK);
		assert_ptr_equal(found, c);
		found = NULL;
		uintptr_t mem = (uintptr_t)hg_chunk2mem(c);
		assert_int_equal(hg_walk_locate(mem, &found), HG_INSIDE_CHUNK);
		assert_ptr_equal(found, c);
		found = NULL;
		uintptr_t last = (uintptr_t)c + hg_chunk_size(c) - 1;
		assert_int_equal(hg_walk_locate(last, &found), HG_INSIDE_CHUNK);
		assert_ptr_equal(found, c);
	}
	int on_stack;
	struct hg_chunk *found = NULL;
	assert_int_equal(hg_walk_locate((uintptr_t)&on_stack, &found), HG_NOT_FOUND);
}

static void test_locate_past_a_broken_header_names_it(void **state)
{
	(void)state;
	struct hg_chunk *bad, *behind, *found = NULL;
	adjacent_pair(&bad, &behind);
	size_t saved = bad->head;
	bad->head ^= HG_NON_MAIN_ARENA; /* a flag, checksum left as it was */
	enum hg_chunk_start at_behind = hg_walk_locate((uintptr_t)behind, &found);
	struct hg_chunk *found_behind = found;
	enum hg_chunk_start inside_behind =
		hg_walk_locate((uintptr_t)hg_chunk2mem(behind) + 8, &found);
	struct hg_chunk *found_inside = found;
	enum hg_chunk_start at_bad = hg_walk_locate((uintptr_t)bad, &found);
	struct hg_chunk *found_bad = found;
	bad->head = saved;
	assert_int_equal(at_behind, HG_AFTER_BROKEN);
	assert_ptr_equal(found_behind, bad);
	assert_int_equal(inside_behind, HG_AFTER_BROKEN);
	assert_ptr_equal(found_inside, bad);
	assert_int_equal(at_bad, HG_AT_CHUNK); /* where the broken header starts */
	assert_ptr_equal(found_bad, bad);
	assert_int_equal(hg_walk_locate((uintptr_t)behind, &found), HG_AT_CHUNK);
	assert_ptr_equal(found, behind);
}

/* ---- hg_freelist_walk ---- */

struct listed {
	struct hg_chunk *c[4096];
	enum hg_freelist_kind kind[4096];
	unsigned index[4096];
	size_t size[4096];
	unsigned n;
};
static struct listed listed;

static void on_free_chunk(enum hg_freelist_kind kind, unsigned index, struct hg_chunk *c,
			  size_t size, void *ctx)
{
	struct listed *l = ctx;
	if (l->n < 4096) {
		l->c[l->n] = c;
		l->kind[l->n] = kind;
		l->index[l->n] = index;
		l->size[l->n] = size;
	}
	l->n++;
}

static unsigned walk_lists(const char *op)
{
	memset(&listed, 0, sizeof(listed));
	const struct hg_freelist_walk w = { op, on_free_chunk, &listed };
	return hg_freelist_walk(&hg_main_arena, &w);
}

/* How often c was listed; *kind and *index from its (last) listing. */
static unsigned times_listed(const struct hg_chunk *c, enum hg_freelist_kind *kind, unsigned *index)
{
	unsigned times = 0;
	for (unsigned i = 0; i < listed.n && i < 4096; i++)
		if (listed.c[i] == c) {
			times++;
			*kind = listed.kind[i];
			*index = listed.index[i];
			assert_int_equal(listed.size[i], hg_chunk_size(c));
		}
	return times;
}

/* Free chunks of every kind, each between two live guards so that none
 * merges with a neighbour. */
enum { LARGE_1, SMALL, LARGE_2, UNSORTED, FAST_1, FAST_2, FAST_OTHER, NFREED };
static const size_t freed_sizes[NFREED] = { 1200, 400, 3008, 608, 48, 48, 80 };
static struct hg_chunk *freed[NFREED];

/* check=0 while links are forged: errors are counted, not reported. */
static __typeof__(hg_config.options.check) saved_check;

static void errors_only_counted(void)
{
	saved_check = hg_config.options.check;
	hg_config.options.check = 0;
}

static void errors_as_configured(void)
{
	hg_config.options.check = saved_check;
}

static struct hg_chunk *guard(void)
{
	struct hg_chunk *g = alloc(64);
	assert_non_null(g);
	return g;
}

static void make_free_lists(void)
{
	guard();
	for (unsigned i = 0; i < NFREED; i++) {
		freed[i] = alloc(freed_sizes[i]);
		assert_non_null(freed[i]);
		guard();
	}
	hg_chunk_free_to_arena(freed[LARGE_1]);
	hg_chunk_free_to_arena(freed[SMALL]);
	hg_chunk_free_to_arena(freed[LARGE_2]);
	/* A request none of them fits sorts them into their bins. */
	assert_non_null(alloc(8192));
	hg_chunk_free_to_arena(freed[UNSORTED]);
	hg_chunk_free_to_arena(freed[FAST_1]);
	hg_chunk_free_to_arena(freed[FAST_2]);
	hg_chunk_free_to_arena(freed[FAST_OTHER]);
}

static void test_freelist_walk_lists_every_free_chunk_once_with_its_list(void **state)
{
	(void)state;
	make_free_lists();
	assert_int_equal(walk_lists("test"), 0);
	const enum hg_freelist_kind want[NFREED] = {
		HG_FREELIST_LARGE,   HG_FREELIST_SMALL,	  HG_FREELIST_LARGE,   HG_FREELIST_UNSORTED,
		HG_FREELIST_FASTBIN, HG_FREELIST_FASTBIN, HG_FREELIST_FASTBIN,
	};
	for (unsigned i = 0; i < NFREED; i++) {
		enum hg_freelist_kind kind;
		unsigned index;
		assert_int_equal(times_listed(freed[i], &kind, &index), 1);
		assert_int_equal(kind, want[i]);
		size_t size = hg_chunk_size(freed[i]);
		switch (kind) {
		case HG_FREELIST_FASTBIN:
			assert_int_equal(index, hg_fastbin_index(size));
			break;
		case HG_FREELIST_UNSORTED:
			assert_int_equal(index, HG_UNSORTED);
			break;
		default:
			assert_int_equal(index, hg_bin_index(size));
			break;
		}
	}
	/* No chunk is listed twice, and none of the live ones at all. */
	for (unsigned i = 0; i < listed.n; i++) {
		for (unsigned j = 0; j < i; j++)
			assert_ptr_not_equal(listed.c[i], listed.c[j]);
		assert_false(hg_chunk_is_allocated(listed.c[i]));
	}
	/* Without a callback the walk only checks. */
	const struct hg_freelist_walk check_only = { "test", NULL, NULL };
	assert_int_equal(hg_freelist_walk(&hg_main_arena, &check_only), 0);
}

/* A forged fastbin link ends that list, reported when op names a caller
 * (with check=0: only counted), and the other lists are still walked.  It
 * leads to a live chunk of the list's size, or to a free chunk of another
 * fastbin; both end in a link that would pass for a list's last. */
static void test_forged_fastbin_link_ends_its_list(void **state)
{
	(void)state;
	struct hg_chunk *head = freed[FAST_2], *next = freed[FAST_1];
	struct hg_chunk *saved = head->fd;
	assert_ptr_equal(hg_link_reveal(&head->fd), next);
	/* The live chunk's first word, the program's, ends a list if read. */
	assert_int_equal(hg_chunk_size(chunks[3]), hg_chunk_size(head));
	chunks[3]->fd = hg_link_protect(&chunks[3]->fd, NULL);
	struct hg_chunk *targets[2] = { chunks[3], freed[FAST_OTHER] };
	for (unsigned t = 0; t < 2; t++) {
		head->fd = hg_link_protect(&head->fd, targets[t]);
		errors_only_counted();
		/* Silently first: each error is counted once per address. */
		unsigned long errors = hg_errors_reported;
		unsigned broken_silent = walk_lists(NULL);
		unsigned long counted_silent = hg_errors_reported - errors;
		errors = hg_errors_reported;
		unsigned broken = walk_lists("test");
		unsigned long counted = hg_errors_reported - errors;
		enum hg_freelist_kind kind, target_kind = HG_FREELIST_LARGE;
		unsigned index;
		unsigned head_seen = times_listed(head, &kind, &index);
		unsigned next_seen = times_listed(next, &kind, &index);
		unsigned large_seen = times_listed(freed[LARGE_2], &kind, &index);
		unsigned target_seen = times_listed(targets[t], &target_kind, &index);
		head->fd = saved;
		errors_as_configured();
		assert_int_equal(broken_silent, 1);
		assert_int_equal(counted_silent, 0);
		assert_int_equal(broken, 1);
		assert_int_equal(counted, 1);
		assert_int_equal(head_seen, 1); /* its link is read after it is listed */
		assert_int_equal(next_seen, 0);
		assert_int_equal(target_seen, t == 0 ? 0 : 1);
		if (t == 1) { /* in its own list only */
			assert_int_equal(target_kind, HG_FREELIST_FASTBIN);
			assert_int_equal(index, hg_fastbin_index(hg_chunk_size(targets[t])));
		}
		assert_int_equal(large_seen, 1);
	}
	assert_int_equal(walk_lists("test"), 0);
}

/* A bin's chunk whose back link does not point to its predecessor ends
 * that bin. */
static void test_forged_bin_link_ends_its_list(void **state)
{
	(void)state;
	struct hg_chunk *c = freed[LARGE_1];
	struct hg_chunk *saved = c->bk;
	c->bk = chunks[1];
	errors_only_counted();
	unsigned long errors = hg_errors_reported;
	unsigned broken = walk_lists("test");
	unsigned long counted = hg_errors_reported - errors;
	enum hg_freelist_kind kind;
	unsigned index;
	unsigned seen = times_listed(c, &kind, &index);
	unsigned others_seen = times_listed(freed[LARGE_2], &kind, &index) +
			       times_listed(freed[SMALL], &kind, &index) +
			       times_listed(freed[UNSORTED], &kind, &index);
	c->bk = saved;
	errors_as_configured();
	assert_int_equal(broken, 1);
	assert_int_equal(counted, 1);
	assert_int_equal(seen, 0);
	assert_int_equal(others_seen, 3);
	assert_int_equal(walk_lists("test"), 0);
}

/* Run last (it makes this process a fork child): the log of a fork
 * child's blocks, which its exit's heap check walks instead of the heap,
 * holds each block once in address order, and still does after the child
 * forks in turn (bash's subshells fork their pipelines), and the leak
 * scan's view of it (hg_own_log) says it forked: pages may be shared. */
static void test_own_log_outlives_a_fork_of_the_child(void **state)
{
	(void)state;
	hg_generation_fork_child();
	struct hg_chunk *mine[3];
	for (int i = 0; i < 3; i++) {
		mine[i] = alloc(64 + 16 * (size_t)i);
		assert_non_null(mine[i]);
		hg_chunk_claim(&hg_self, mine[i]);
	}
	hg_chunk_claim(&hg_self, mine[1]); /* handed twice: once in the log */
	struct hg_chunk *const *log;
	size_t n;
	bool forked = true;
	assert_true(hg_own_log(&log, &n, &forked));
	assert_int_equal(n, 4);
	assert_false(forked);
	hg_generation_fork_parent();
	assert_true(hg_own_log(&log, &n, &forked));
	assert_true(forked);
	assert_true(hg_own_log_compact(&log, &n));
	assert_int_equal(n, 3);
	for (size_t i = 1; i < n; i++)
		assert_true(log[i - 1] < log[i]);
	for (int i = 0; i < 3; i++) {
		bool found = false;
		for (size_t k = 0; k < n; k++)
			found |= log[k] == mine[i];
		assert_true(found);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_visits_every_chunk_once_in_address_order),
		cmocka_unit_test(test_walk_stops_when_the_visitor_says_so),
		cmocka_unit_test(test_walk_stops_at_a_header_that_does_not_verify),
		cmocka_unit_test(test_locate_tells_chunk_starts_from_interiors),
		cmocka_unit_test(test_locate_past_a_broken_header_names_it),
		cmocka_unit_test(test_freelist_walk_lists_every_free_chunk_once_with_its_list),
		cmocka_unit_test(test_forged_fastbin_link_ends_its_list),
		cmocka_unit_test(test_forged_bin_link_ends_its_list),
		cmocka_unit_test(test_own_log_outlives_a_fork_of_the_child),
	};
	int failed = cmocka_run_group_tests(tests, build_heap, NULL);
	/* Not exit(): the core's exit handlers would write leak and
	 * fragmentation reports, which are not what this program tests. */
	fflush(NULL);
	_exit(failed != 0);
}
