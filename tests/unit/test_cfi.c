/* SPDX-License-Identifier: MIT */
/* Unit tests of the CFI unwinder (stack/cfi.c): a walk with cached rules
 * gives the frames of a fresh one and of glibc's backtrace() and
 * libunwind's unw_backtrace(); the memo answers with the last id for the
 * same frames only, comparing only the rbp values a step's CFA came from;
 * a walk replays the last walk's frames where their words are unchanged,
 * and only there, and reads nothing past its depth; a forked child can
 * derive rules; the rule cache starts small and grows, keeping its rules.
 * Walks start from a malloc-family entry frame noted as preload/api.c
 * notes it.  Linked with the core library, not preloaded. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

extern void *__libc_stack_end;

#include "../../lib/lib.h"
#include "../../stack/cfi.h"
#include "../../stack/stack.h"

#define MAX_FRAMES HG_DEPTH_MAX

/* Note the caller's frame as malloc's entry, and forget it after. */
#define NOTE_ENTRY()                                                       \
	do {                                                               \
		const uintptr_t *fp_ = __builtin_frame_address(0);         \
		hg_self.entry_sp = (uintptr_t)(fp_ + 2);                   \
		hg_self.entry_bp = fp_[0];                                 \
		hg_self.entry_ra = (uintptr_t)__builtin_return_address(0); \
	} while (0)
#define FORGET_ENTRY() (hg_self.entry_ra = 0)

static __attribute__((noinline)) int walk_as_malloc(uintptr_t *pcs, unsigned max)
{
	NOTE_ENTRY();
	int n = hg_cfi_backtrace(pcs, max);
	FORGET_ENTRY();
	return n;
}

/* The frames above the test's own (pcs[1..n)) are the other unwinder's
 * from where it finds pcs[1]: frame 0 is each one's own call site, and a
 * sanitizer's interceptor of backtrace() adds one of its own. */
static void assert_same_callers(const uintptr_t *pcs, int n, void *const *other, int m)
{
	assert_true(n >= 3);
	int k = 1;
	while (k < 3 && k < m && (uintptr_t)other[k] != pcs[1])
		k++;
	assert_true(k < m);
	assert_int_equal(n - 1, m - k);
	for (int i = 1; i < n; i++)
		assert_int_equal(pcs[i], (uintptr_t)other[k + i - 1]);
}

static void assert_same_frames(const uintptr_t *a, int na, const uintptr_t *b, int nb)
{
	assert_int_equal(na, nb);
	for (int i = 0; i < na; i++)
		assert_int_equal(a[i], b[i]);
}

/* Run first: no rule for these frames is cached yet. */
static void test_cached_rules_give_the_frames_of_a_fresh_walk(void **state)
{
	(void)state;
	uintptr_t fresh[MAX_FRAMES], cached[MAX_FRAMES];
	static volatile unsigned rounds = 2; /* one call site: not unrolled */
	int n[2];
	for (unsigned i = 0; i < rounds; i++)
		n[i] = walk_as_malloc(i == 0 ? fresh : cached, MAX_FRAMES);
	assert_true(n[0] >= 3); /* here, cmocka's runner, main, ... */
	assert_same_frames(fresh, n[0], cached, n[1]);
}

/* 640 walks, each from a call site of its own: 640 return addresses, and
 * as many rules, more than an eighth of the first table's 1,024 buckets. */
#define SITES 640
static uintptr_t site_pcs[2][SITES][MAX_FRAMES];
static int site_n[2][SITES];
#define SITE(r, i) site_n[r][i] = walk_as_malloc(site_pcs[r][i], MAX_FRAMES)
#define SITES_10(r, i)                                                                 \
	SITE(r, i), SITE(r, i + 1), SITE(r, i + 2), SITE(r, i + 3), SITE(r, i + 4),     \
		SITE(r, i + 5), SITE(r, i + 6), SITE(r, i + 7), SITE(r, i + 8), SITE(r, i + 9)
#define SITES_80(r, i)                                                                 \
	SITES_10(r, i), SITES_10(r, i + 10), SITES_10(r, i + 20), SITES_10(r, i + 30),  \
		SITES_10(r, i + 40), SITES_10(r, i + 50), SITES_10(r, i + 60),          \
		SITES_10(r, i + 70)

static __attribute__((noinline)) void walk_from_many_sites(int r)
{
	SITES_80(r, 0), SITES_80(r, 80), SITES_80(r, 160), SITES_80(r, 240);
	SITES_80(r, 320), SITES_80(r, 400), SITES_80(r, 480), SITES_80(r, 560);
}

/* Run second: the few rules so far live in the first table, static memory;
 * 640 more make it grow (a mapped table, for the leak scan to leave out),
 * and the grown table, holding the first one's rules, gives every walk its
 * frames again. */
static void test_rule_cache_starts_small_and_grows_keeping_its_rules(void **state)
{
	(void)state;
	uintptr_t lo[HG_CFI_RANGES], hi[HG_CFI_RANGES];
	assert_int_equal(hg_cfi_memory(lo, hi), 0);
	for (int r = 0; r < 2; r++) {
		walk_from_many_sites(r);
		if (r > 0)
			continue;
		unsigned n = hg_cfi_memory(lo, hi);
		assert_true(n >= 1);
		for (unsigned i = 0; i < n; i++)
			assert_true(hi[i] > lo[i]);
	}
	for (int i = 0; i < SITES; i++) {
		assert_true(site_n[0][i] >= 3);
		/* All but frame 1, this function's call (the compiler may
		 * peel the loop into two). */
		assert_int_equal(site_n[0][i], site_n[1][i]);
		assert_int_equal(site_pcs[0][i][0], site_pcs[1][i][0]);
		assert_same_frames(site_pcs[0][i] + 2, site_n[0][i] - 2, site_pcs[1][i] + 2,
				   site_n[1][i] - 2);
		if (i > 0) /* each from a call site of its own */
			assert_true(site_pcs[0][i][0] != site_pcs[0][i - 1][0]);
	}
}

/* glibc's backtrace() from the same function: the same frames above it. */
static void test_walk_gives_the_frames_of_glibc_backtrace(void **state)
{
	(void)state;
	uintptr_t pcs[MAX_FRAMES];
	void *bt[MAX_FRAMES];
	for (int round = 0; round < 2; round++) {
		int n = walk_as_malloc(pcs, MAX_FRAMES);
		int m = backtrace(bt, MAX_FRAMES);
		assert_same_callers(pcs, n, bt, m);
	}
}

static void test_walk_gives_the_frames_of_libunwind(void **state)
{
	(void)state;
	void *h = dlopen("libunwind.so.8", RTLD_LAZY | RTLD_LOCAL);
	int (*unw_backtrace)(void **, int) = NULL;
	if (h != NULL)
		unw_backtrace = (int (*)(void **, int))dlsym(h, "unw_backtrace");
	if (unw_backtrace == NULL)
		skip();
	uintptr_t pcs[MAX_FRAMES];
	void *bt[MAX_FRAMES];
	for (int round = 0; round < 2; round++) {
		int n = walk_as_malloc(pcs, MAX_FRAMES);
		int m = unw_backtrace(bt, MAX_FRAMES);
		assert_same_callers(pcs, n, bt, m);
	}
}

/* Fewer frames asked for: the innermost ones, and no more. */
static void test_walk_stops_at_max_frames(void **state)
{
	(void)state;
	uintptr_t all[MAX_FRAMES], few[MAX_FRAMES];
	static volatile unsigned rounds = 2;
	int n[2];
	for (unsigned i = 0; i < rounds; i++)
		n[i] = walk_as_malloc(i == 0 ? all : few, i == 0 ? MAX_FRAMES : 2);
	assert_true(n[0] >= 3);
	assert_int_equal(n[1], 2);
	assert_same_frames(all, 2, few, 2);
}

/* What hg_stack_capture does: the memo's id, or a walk whose id is then
 * remembered (unless forget_id: a capture that got no id).  Returns the
 * memo's answer (0: it walked). */
static __attribute__((noinline)) int walk_once_as_exit(uintptr_t *pcs, unsigned max)
{
	NOTE_ENTRY();
	int n = hg_cfi_backtrace_once(pcs, max);
	FORGET_ENTRY();
	return n;
}

/* The walk exit makes once (to find its caller's frame) gives the frames
 * of any walk, and neither uses nor keeps a memo: a process that never
 * captured a stack maps no memo table for it (16 of them, 566 KB of
 * address space, in every level=fast fork child's exit).  First of the
 * tests, before any memo table exists. */
static void test_walk_made_once_maps_no_memo_table(void **state)
{
	(void)state;
	uintptr_t lo[HG_CFI_MEMO_POOLS], hi[HG_CFI_MEMO_POOLS];
	assert_int_equal(hg_cfi_memo_memory(lo, hi), 0);
	uintptr_t once[MAX_FRAMES], walked[MAX_FRAMES];
	int n = walk_once_as_exit(once, 8);
	assert_in_range(n, 2, 8);
	assert_int_equal(hg_cfi_memo_memory(lo, hi), 0);
	assert_int_equal(walk_as_malloc(walked, 8), n);
	/* The callers agree; the entry frames' return addresses differ by
	 * the two helpers' call sites. */
	for (int i = 1; i < n; i++)
		assert_int_equal(once[i], walked[i]);
	assert_int_equal(hg_cfi_memo_memory(lo, hi), 1);
}

static __attribute__((noinline)) uint32_t capture_as_malloc(uint32_t new_id, unsigned max,
							    bool forget_id)
{
	NOTE_ENTRY();
	uint32_t id = hg_cfi_memo_get(max);
	if (id == 0) {
		uintptr_t pcs[MAX_FRAMES];
		assert_true(hg_cfi_backtrace(pcs, max) > 0);
		if (!forget_id)
			hg_cfi_memo_set(new_id);
	}
	FORGET_ENTRY();
	return id;
}

static void test_memo_gives_the_last_id_for_the_same_frames(void **state)
{
	(void)state;
	static volatile unsigned rounds = 3;
	uint32_t got[3];
	for (unsigned i = 0; i < rounds; i++)
		got[i] = capture_as_malloc(100 + i, 16, false);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 100);
	assert_int_equal(got[2], 100);
}

/* One call site of capture_as_malloc, reached from two places: the same
 * entry frame, but a caller above it that differs. */
static __attribute__((noinline)) uint32_t capture_via_helper(uint32_t new_id)
{
	uint32_t id = capture_as_malloc(new_id, 16, false);
	__asm__ volatile("" ::: "memory"); /* no tail call */
	return id;
}

static void test_memo_does_not_answer_for_other_frames(void **state)
{
	(void)state;
	assert_int_equal(capture_via_helper(200), 0);
	assert_int_equal(capture_via_helper(201), 0); /* another caller above */
	static volatile unsigned rounds = 2;
	uint32_t got[2];
	for (unsigned i = 0; i < rounds; i++)
		got[i] = capture_via_helper(300 + i);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 300);
	/* The same frames, another depth asked for: walked again. */
	for (unsigned i = 0; i < rounds; i++)
		got[i] = capture_as_malloc(400 + i, i == 0 ? 16 : 8, false);
	assert_int_equal(got[1], 0);
}

/* Two frames of hand-written code between the capture and the test, the
 * outer one keeping data in rbp (value) and the inner one saving rbp, as
 * compiled code that uses rbp as any register does; their CFI is what a
 * compiler gives, and no step takes its CFA from rbp:
 *   with_data_in_rbp(value, fn, arg) -> save_rbp_and_call(fn, arg) -> fn(arg) */
__asm__(".text\n"
	".type with_data_in_rbp, @function\n"
	"with_data_in_rbp:\n"
	"	.cfi_startproc\n"
	"	pushq %rbp\n"
	"	.cfi_def_cfa_offset 16\n"
	"	.cfi_offset %rbp, -16\n"
	"	movq %rdi, %rbp\n"
	"	movq %rsi, %rax\n"
	"	movq %rdx, %rdi\n"
	"	call save_rbp_and_call\n"
	"	popq %rbp\n"
	"	.cfi_def_cfa_offset 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size with_data_in_rbp, .-with_data_in_rbp\n"
	".type save_rbp_and_call, @function\n"
	"save_rbp_and_call:\n"
	"	.cfi_startproc\n"
	"	pushq %rbp\n"
	"	.cfi_def_cfa_offset 16\n"
	"	.cfi_offset %rbp, -16\n"
	"	call *%rax\n"
	"	popq %rbp\n"
	"	.cfi_def_cfa_offset 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size save_rbp_and_call, .-save_rbp_and_call\n");
void with_data_in_rbp(uintptr_t value, void (*fn)(void *), void *arg);

struct capture_arg {
	uint32_t new_id, got;
};

static void capture_for(void *arg)
{
	struct capture_arg *a = arg;
	a->got = capture_as_malloc(a->new_id, 16, false);
	__asm__ volatile("" ::: "memory"); /* no tail call */
}

/* The rbp that save_rbp_and_call saved differs at each call, but no step
 * takes its CFA from it: the memo answers all the same. */
static void test_memo_ignores_an_rbp_no_step_reads(void **state)
{
	(void)state;
	static volatile unsigned rounds = 3;
	uint32_t got[3];
	for (unsigned i = 0; i < rounds; i++) {
		struct capture_arg a = { 500 + i, 0 };
		with_data_in_rbp(0x1000 * (i + 1), capture_for, &a);
		got[i] = a.got;
	}
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 500);
	assert_int_equal(got[2], 500);
}

/* Forty call paths to one entry frame (the same return address and stack
 * pointer, other callers above), captured in turn, twice: the memo keeps
 * the last 64 walks, and answers every capture of the second round.  (Four
 * memos, one per call site, answered none: each walk replaced the last.) */
#define CYCLE 40
static uint32_t cycle_got[CYCLE];
#define CYCLE_SITE(r, i) cycle_got[i] = capture_via_helper(1000 + 100 * (r) + (i))
#define CYCLE_10(r, i)                                                                           \
	CYCLE_SITE(r, i), CYCLE_SITE(r, i + 1), CYCLE_SITE(r, i + 2), CYCLE_SITE(r, i + 3),       \
		CYCLE_SITE(r, i + 4), CYCLE_SITE(r, i + 5), CYCLE_SITE(r, i + 6),                 \
		CYCLE_SITE(r, i + 7), CYCLE_SITE(r, i + 8), CYCLE_SITE(r, i + 9)

static __attribute__((noinline)) void capture_cycle(int r)
{
	CYCLE_10(r, 0), CYCLE_10(r, 10), CYCLE_10(r, 20), CYCLE_10(r, 30);
	__asm__ volatile("" ::: "memory");
}

static void test_memo_answers_a_cycle_of_forty_stacks(void **state)
{
	(void)state;
	static volatile int rounds = 2; /* one call site: not unrolled */
	for (int r = 0; r < rounds; r++) {
		capture_cycle(r);
		for (int i = 0; i < CYCLE; i++)
			assert_int_equal(cycle_got[i], r == 0 ? 0 : 1000 + i);
	}
}

static void *capture_then_exit(void *arg)
{
	struct capture_arg *a = arg;
	a->got = capture_as_malloc(a->new_id, 16, false);
	hg_cfi_thread_exit(); /* as the thread's exit handler does */
	return NULL;
}

/* A thread's memos are in a table of a pool the leak scan leaves out,
 * taken at its first walk and handed on at its exit: forty threads one
 * after another use one pool of sixteen tables.  A table handed on keeps
 * none of its memos (they read the stack of a thread gone). */
static void test_memo_tables_go_from_thread_to_thread(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 40; i++) {
		struct capture_arg a = { 2000 + i, 0 };
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, capture_then_exit, &a), 0);
		assert_int_equal(pthread_join(t, NULL), 0);
		assert_int_equal(a.got, 0);
	}
	uintptr_t lo[HG_CFI_MEMO_POOLS], hi[HG_CFI_MEMO_POOLS];
	assert_int_equal(hg_cfi_memo_memory(lo, hi), 1);
	assert_true(hi[0] > lo[0]);
}

/* A walk whose id was never set is not remembered, not even with the id
 * of a later walk that started at no entry frame (the memo is per call
 * site; these captures share one). */
static void test_memo_keeps_only_walks_given_their_id(void **state)
{
	(void)state;
	static volatile unsigned rounds = 2;
	uint32_t got[2];
	uintptr_t pcs[MAX_FRAMES];
	for (unsigned i = 0; i < rounds; i++) {
		got[i] = capture_as_malloc(500 + i, 16, i == 0);
		if (i == 0) {
			assert_true(hg_cfi_backtrace(pcs, 16) > 0);
			hg_cfi_memo_set(999);
		}
	}
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 0);
}

/* A walk and backtrace() from the same frame (see assert_same_callers). */
struct walk_and_bt {
	uintptr_t pcs[MAX_FRAMES];
	void *bt[MAX_FRAMES];
	int n, m;
};

static __attribute__((noinline)) void leaf_walk(struct walk_and_bt *r)
{
	r->n = walk_as_malloc(r->pcs, MAX_FRAMES);
	r->m = backtrace(r->bt, MAX_FRAMES);
	__asm__ volatile("" ::: "memory");
}

/* Two callers of the same shape: called from one frame, each puts
 * leaf_walk's frame at the same place, with its own return address. */
static __attribute__((noinline)) void via_first(struct walk_and_bt *r)
{
	leaf_walk(r);
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void via_second(struct walk_and_bt *r)
{
	leaf_walk(r);
	__asm__ volatile("nop" ::: "memory");
}

static __attribute__((noinline)) void via_two(struct walk_and_bt *r)
{
	via_first(r);
	__asm__ volatile("" ::: "memory");
}

/* The frames a walk shares with the last one are replayed, and are the
 * frames backtrace() finds. */
static void test_walk_replays_the_frames_it_shares_with_the_last(void **state)
{
	(void)state;
	struct walk_and_bt r;
	struct hg_cfi_stats before, after;
	static volatile unsigned rounds = 2; /* one call site: not unrolled */
	for (unsigned i = 0; i < rounds; i++) {
		hg_cfi_stats(&before);
		via_first(&r);			/* then the same frames again */
		assert_same_callers(r.pcs, r.n, r.bt, r.m);
	}
	hg_cfi_stats(&after);
	assert_int_equal(after.replayed - before.replayed, r.n - 1); /* all but the entry */
	/* Other frames inside, and from another call site here: what is
	 * above this function is shared. */
	via_two(&r);
	assert_same_callers(r.pcs, r.n, r.bt, r.m);
	before = after;
	hg_cfi_stats(&after);
	assert_int_equal(after.replayed - before.replayed, r.n - 5); /* from the caller of this */
}

/* The same function at the same place, called from another caller: the
 * walk reads the return address that changed and walks on from there. */
static void test_walk_replays_no_word_that_changed(void **state)
{
	(void)state;
	struct walk_and_bt first, second;
	struct hg_cfi_stats before, after;
	via_first(&first);
	hg_cfi_stats(&before);
	via_second(&second);
	hg_cfi_stats(&after);
	assert_true(after.refused > before.refused);
	assert_same_callers(second.pcs, second.n, second.bt, second.m);
	assert_int_equal(first.n, second.n);
	assert_true(first.pcs[0] == second.pcs[0]);	/* leaf_walk's call site */
	assert_true(first.pcs[1] != second.pcs[1]);	/* in via_first, in via_second */
	for (int i = 3; i < first.n; i++)		/* [2]: two call sites here */
		assert_true(first.pcs[i] == second.pcs[i]);
}

/* A walk that reaches the depth asked for stops there: it looks up no
 * rule for the frame above and reads none of that frame's words. */
static void test_walk_reads_nothing_past_its_depth(void **state)
{
	(void)state;
	uintptr_t all[MAX_FRAMES], few[MAX_FRAMES];
	struct hg_cfi_stats before, after;
	int whole = walk_as_malloc(all, MAX_FRAMES);
	assert_true(whole >= 4);
	for (unsigned max = 1; max <= 3; max++) {
		hg_cfi_stats(&before);
		int n = walk_as_malloc(few, max);
		hg_cfi_stats(&after);
		assert_int_equal(n, max);
		/* [0]: two call sites here */
		assert_same_frames(all + 1, n - 1, few + 1, n - 1);
		/* The entry frame is noted; each frame after it is one step,
		 * replayed or by its rule. */
		assert_int_equal((after.replayed - before.replayed) + (after.rules - before.rules),
				 max - 1);
	}
}

/* Only the child runs this: its rules are not cached, so the walk must
 * take the rule cache's lock, which fork's prepare handler held. */
static __attribute__((noinline)) int walk_in_child(uintptr_t *pcs)
{
	int n = walk_as_malloc(pcs, MAX_FRAMES);
	__asm__ volatile("" ::: "memory");
	return n;
}

static __attribute__((noinline)) int walk_in_parent(uintptr_t *pcs)
{
	int n = walk_as_malloc(pcs, MAX_FRAMES);
	__asm__ volatile("" ::: "memory");
	return n;
}

/* fork() runs the handlers lib/ registered (preload/'s, which take the
 * rule cache's lock): a child left with the lock held would hang, which
 * alarm() turns into a failure. */
static void test_fork_child_can_derive_new_rules(void **state)
{
	(void)state;
	uintptr_t pcs[MAX_FRAMES];
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(2);
		_exit(walk_in_child(pcs) >= 3 ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	alarm(2);
	assert_true(walk_in_parent(pcs) >= 3);
	alarm(0);
}

/* 80 call sites the parent never walked from: 80 rules the child derives. */
static __attribute__((noinline)) void walk_from_child_sites(void)
{
	SITES_80(1, 0);
}

/* Pages of [lo, hi) this process has written since its fork (pagemap:
 * present and mapped by it alone), or -1 if the page map cannot tell. */
static int pages_written(int pm, uintptr_t lo, uintptr_t hi)
{
	int n = 0;
	for (uintptr_t a = lo & ~(uintptr_t)4095; a < hi; a += 4096) {
		uint64_t e;
		if (pread(pm, &e, sizeof(e), (off_t)(a / 4096 * sizeof(e))) != sizeof(e))
			return -1;
		n += (e >> 63 & 1) && (e >> 56 & 1);
	}
	return n;
}

/* In a fork child: its exit status for ranges [lo[i], hi[i]) of its
 * parent's tables, 0 if it wrote none of their pages, 2 if it did, 77 if
 * the page map cannot tell. */
static int child_status_for_ranges(const uintptr_t *lo, const uintptr_t *hi, unsigned n)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	if (pm < 0)
		return 77;
	for (unsigned i = 0; i < n; i++) {
		int w = pages_written(pm, lo[i], hi[i]);
		if (w != 0)
			return w < 0 ? 77 : 2;
	}
	return 0;
}

/* In a fork child: its exit status for its parent's n rule tables
 * [lo[i], hi[i]), as child_status_for_ranges, or 3 if it has a table of
 * its own and own is false, or none and own is true. */
static int child_rule_tables_status(const uintptr_t *lo, const uintptr_t *hi, unsigned n, bool own)
{
	int verdict = child_status_for_ranges(lo, hi, n);
	if (verdict != 0)
		return verdict;
	uintptr_t lo2[HG_CFI_RANGES], hi2[HG_CFI_RANGES];
	return (hg_cfi_memory(lo2, hi2) > n) == own ? 0 : 3;
}

/* In the parent: waits for the child and fails with what its exit status
 * says (2: it wrote its parent's table; 3: exit3, when not NULL). */
static void expect_child_wrote_none(pid_t pid, const char *table, const char *exit3)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		print_message("the page map tells nothing here: not checked\n");
		return;
	}
	if (WEXITSTATUS(status) == 2)
		fail_msg("the child wrote its parent's %s", table);
	if (WEXITSTATUS(status) == 3 && exit3 != NULL)
		fail_msg("%s", exit3);
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A fork child's new rules go to a table of its own: the tables it
 * inherited are its parent's, shared copy-on-write, and a rule put there
 * (at a bucket the hash puts on any page) cost it a page fault each. */
/* Fork a child that walks (walked: false when a walk fell short), then
 * judge the rule tables it made and the pages of its parent's it wrote
 * (child_rule_tables_status; own: it must have a table of its own). */
static void expect_child_rule_tables(bool (*walked)(void), bool own, const char *none_msg)
{
	uintptr_t lo[HG_CFI_RANGES], hi[HG_CFI_RANGES];
	unsigned n = hg_cfi_memory(lo, hi);
	assert_true(n >= 1);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(5);
		if (!walked())
			_exit(1);
		_exit(child_rule_tables_status(lo, hi, n, own));
	}
	expect_child_wrote_none(pid, "rule table", none_msg);
}

static bool child_sites_walked(void)
{
	walk_from_child_sites();
	for (int i = 0; i < 80; i++)
		if (site_n[1][i] < 3)
			return false;
	return true;
}

static void test_fork_child_puts_its_rules_in_a_table_of_its_own(void **state)
{
	(void)state;
	walk_from_many_sites(0); /* the parent's rules, in a grown table */
	/* its own, grown maybe */
	expect_child_rule_tables(child_sites_walked, true, "the child made no table of its own");
}

/* Exit's walk from a call site no walk has passed through: the child's
 * rule for it is derived, and not kept. */
static __attribute__((noinline)) int exit_walk_from_a_new_site(uintptr_t *pcs)
{
	int n = walk_once_as_exit(pcs, 8);
	__asm__ volatile("" ::: "memory");
	return n;
}

/* Exit's one walk keeps no rule it derives: in a fork child, the first
 * rule kept makes a table of its own (a mapping and a page fault in every
 * subshell that scanned for leaks), for rules no walk would read again. */
static bool exit_walked(void)
{
	uintptr_t pcs[MAX_FRAMES];
	return exit_walk_from_a_new_site(pcs) >= 3;
}

static void test_fork_childs_exit_walk_makes_no_rule_table(void **state)
{
	(void)state;
	expect_child_rule_tables(exit_walked, false, "the child's exit walk made a rule table");
}

/* A fork child reads the memos it inherited and, for its first walks,
 * writes none: each would copy a page of its thread's table, shared with
 * its parent (a subshell's few dozen walks copied all nine). */
static void test_fork_child_reads_its_parents_memos_and_writes_none(void **state)
{
	(void)state;
	static volatile unsigned rounds = 3;
	uintptr_t lo[HG_CFI_MEMO_POOLS], hi[HG_CFI_MEMO_POOLS];
	unsigned n = 0;
	uint32_t got[3] = { 1, 1, 1 };
	pid_t pid = 1;
	/* The child's capture from the parent's call site: the same frames. */
	for (unsigned i = 0; i < rounds; i++) {
		if (i == 2) {
			n = hg_cfi_memo_memory(lo, hi);
			pid = fork();
			if (pid != 0)
				break;
		}
		got[i] = capture_via_helper(700 + i); /* one site, the same frames */
	}
	assert_true(pid >= 0);
	assert_int_equal(got[1], 700);
	if (pid == 0) {
		alarm(5);
		if (n == 0 || got[1] != 700 || got[2] != 700) /* the parent's memo answers */
			_exit(1);
		uintptr_t pcs[MAX_FRAMES];
		for (int i = 0; i < 100; i++) /* walks from elsewhere */
			if (walk_as_malloc(pcs, 16) < 3)
				_exit(1);
		_exit(child_status_for_ranges(lo, hi, n));
	}
	expect_child_wrote_none(pid, "memo table", NULL);
}

/* As malloc's entry with the caller's frame pointer replaced by bp. */
static __attribute__((noinline)) int walk_with_entry_bp(uintptr_t *pcs, unsigned max, uintptr_t bp)
{
	NOTE_ENTRY();
	hg_self.entry_bp = bp;
	int n = hg_cfi_backtrace(pcs, max);
	FORGET_ENTRY();
	return n;
}

/* Its frame is kept by rbp (it takes its address), so the walk finds its
 * CFA from the frame pointer malloc's entry noted. */
static __attribute__((noinline)) int walk_from_framed_caller(uintptr_t *pcs, uintptr_t bp,
							     uintptr_t *ra)
{
	volatile uintptr_t *fp = __builtin_frame_address(0);
	int n = walk_with_entry_bp(pcs, MAX_FRAMES, bp == 0 ? (uintptr_t)fp : bp);
	*ra = (uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
	return n;
}

/* A frame pointer that leads off the thread's stack (damaged by the
 * program, as a hijacked return leaves it) ends the stack at that frame:
 * the walk keeps the frames it could follow and reads nothing there
 * (the addresses below are unmapped, not canonical, or not the stack). */
static void test_walk_stops_at_a_frame_pointer_off_the_stack(void **state)
{
	(void)state;
	static char global[64];
	char local[64];
	uintptr_t pcs[MAX_FRAMES], ra;
	int whole = walk_from_framed_caller(pcs, 0, &ra);
	assert_true(whole >= 3);
	const uintptr_t bad[] = {
		8,
		0x1000,
		0xdeadbeefdead0,
		(uintptr_t)global,
		(uintptr_t)local - 8192,
		(uintptr_t)local + 3,
		(uintptr_t)__libc_stack_end + ((uintptr_t)1 << 20),
		(uintptr_t)-16,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int n = walk_from_framed_caller(pcs, bad[i], &ra);
		assert_in_range(n, 1, 2); /* the entry frame; maybe one more */
		assert_true(n < whole);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_made_once_maps_no_memo_table),
		cmocka_unit_test(test_cached_rules_give_the_frames_of_a_fresh_walk),
		cmocka_unit_test(test_rule_cache_starts_small_and_grows_keeping_its_rules),
		cmocka_unit_test(test_fork_child_puts_its_rules_in_a_table_of_its_own),
		cmocka_unit_test(test_fork_child_reads_its_parents_memos_and_writes_none),
		cmocka_unit_test(test_fork_childs_exit_walk_makes_no_rule_table),
		cmocka_unit_test(test_walk_gives_the_frames_of_glibc_backtrace),
		cmocka_unit_test(test_walk_gives_the_frames_of_libunwind),
		cmocka_unit_test(test_walk_stops_at_max_frames),
		cmocka_unit_test(test_memo_gives_the_last_id_for_the_same_frames),
		cmocka_unit_test(test_memo_does_not_answer_for_other_frames),
		cmocka_unit_test(test_memo_keeps_only_walks_given_their_id),
		cmocka_unit_test(test_memo_ignores_an_rbp_no_step_reads),
		cmocka_unit_test(test_memo_answers_a_cycle_of_forty_stacks),
		cmocka_unit_test(test_memo_tables_go_from_thread_to_thread),
		cmocka_unit_test(test_walk_replays_the_frames_it_shares_with_the_last),
		cmocka_unit_test(test_walk_replays_no_word_that_changed),
		cmocka_unit_test(test_walk_reads_nothing_past_its_depth),
		cmocka_unit_test(test_fork_child_can_derive_new_rules),
		cmocka_unit_test(test_walk_stops_at_a_frame_pointer_off_the_stack),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	/* Not exit(): the core's exit handlers would write leak and
	 * fragmentation reports, which are not what this program tests. */
	fflush(NULL);
	_exit(failed != 0);
}
