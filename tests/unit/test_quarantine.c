/* SPDX-License-Identifier: MIT */
/* Unit tests of the quarantine (guard/quarantine.c), linked alone: fake
 * chunks in a static buffer, whose sizes the test gives, and a release
 * callback that logs.  FIFO order, the byte limit, every chunk released
 * exactly once, drain, each, a thread's batch at its exit, and fork. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../guard/quarantine.h"

/* A thread's frees reach the ring in batches of this many (HG_BATCH in
 * quarantine.c); the tests put whole batches where the count matters. */
#define BATCH	   16
#define RING_SLOTS 65536 /* HG_QUARANTINE_SLOTS */
#define NCHUNKS	   (2 * RING_SLOTS)

/* The quarantine never reads a chunk: 16 bytes each is enough to make
 * them distinct, aligned addresses. */
static _Alignas(16) unsigned char chunk_memory[NCHUNKS][16];
static unsigned char released_times[NCHUNKS];
static uint32_t released_order[NCHUNKS];
static size_t nreleased;

static struct hg_chunk *chunk(size_t i)
{
	return (struct hg_chunk *)chunk_memory[i];
}

static size_t index_of(const struct hg_chunk *c)
{
	size_t i = (size_t)((const unsigned char *)c - &chunk_memory[0][0]) / 16;
	assert_true(i < NCHUNKS);
	assert_ptr_equal(chunk(i), c);
	return i;
}

/* The tag each chunk is put with: every release must hand it back. */
static uint32_t tag_of(size_t i)
{
	return (uint32_t)(i * 2654435761u) | 1;
}

static void put(size_t i, size_t size, size_t limit, hg_quarantine_release_fn release)
{
	hg_quarantine_put(chunk(i), size, tag_of(i), limit, release);
}

static void log_release(struct hg_chunk *c, uint32_t tag)
{
	size_t i = index_of(c);
	assert_int_equal(tag, tag_of(i));
	released_times[i]++;
	released_order[nreleased++] = (uint32_t)i;
}

static void ignore_release(struct hg_chunk *c, uint32_t tag)
{
	(void)c;
	(void)tag;
}

/* Each test starts from an empty quarantine and an empty log. */
static int empty_quarantine(void **state)
{
	(void)state;
	hg_quarantine_drain(ignore_release, false);
	memset(released_times, 0, sizeof(released_times));
	nreleased = 0;
	return 0;
}

static void test_chunks_leave_in_the_order_they_came(void **state)
{
	(void)state;
	/* Room for 8 chunks of 100 bytes: of 10 batches, all but the last 8
	 * chunks leave, oldest first. */
	for (size_t i = 0; i < 10 * BATCH; i++)
		put(i, 100, 800, log_release);
	assert_int_equal(nreleased, 10 * BATCH - 8);
	for (size_t i = 0; i < nreleased; i++)
		assert_int_equal(released_order[i], i);
	hg_quarantine_drain(log_release, false);
	assert_int_equal(nreleased, 10 * BATCH);
	for (size_t i = 0; i < nreleased; i++)
		assert_int_equal(released_order[i], i);
}

static size_t size_of(size_t i)
{
	return 32 + (i * 37) % 1000;
}

static void test_held_bytes_stay_within_the_limit(void **state)
{
	(void)state;
	const size_t limit = 5000;
	size_t held = 0;
	for (size_t i = 0; i < 40 * BATCH; i++) {
		size_t before = nreleased;
		put(i, size_of(i), limit, log_release);
		held += size_of(i);
		for (size_t k = before; k < nreleased; k++)
			held -= size_of(released_order[k]);
		if ((i + 1) % BATCH != 0)
			continue;
		/* A batch went in: what stays is within the limit, and the last
		 * chunk out had to go (no more is released than needed). */
		assert_true(held <= limit);
		if (nreleased > before)
			assert_true(held + size_of(released_order[nreleased - 1]) > limit);
	}
	assert_true(nreleased > 0);
}

static void test_large_frees_after_many_small_ones_stay_within_the_limit(void **state)
{
	(void)state;
	/* 4,000 chunks of 16 bytes fill the limit; then one batch of 16
	 * chunks of half the limit each.  Every small chunk and all but the
	 * last large one must leave at once, not HG_RELEASE_MAX (64) of them
	 * a batch while the ring holds several times its bound. */
	const size_t limit = 4000 * 16;
	for (size_t i = 0; i < 4000; i++)
		put(i, 16, limit, log_release);
	assert_int_equal(nreleased, 0);
	for (size_t i = 4000; i < 4000 + BATCH; i++)
		put(i, limit / 2, limit, log_release);
	assert_int_equal(nreleased, 4000 + BATCH - 2);
	for (size_t i = 0; i < nreleased; i++)
		assert_int_equal(released_order[i], i);
	assert_true(hg_quarantine_bytes() <= limit);
}

static void test_a_held_chunks_tag_is_found(void **state)
{
	(void)state;
	/* Room for 40 chunks: 3 batches in, the first 8 released, 40 in the
	 * ring, 4 in this thread's batch. */
	for (size_t i = 0; i < 3 * BATCH + 4; i++)
		put(i, 100, 4000, log_release);
	assert_int_equal(nreleased, 8);
	uint32_t tag;
	for (size_t i = 0; i < 3 * BATCH + 4; i++) {
		bool held = hg_quarantine_tag(chunk(i), &tag);
		assert_int_equal(held, i >= 8);
		if (held)
			assert_int_equal(tag, tag_of(i));
	}
	assert_false(hg_quarantine_tag(chunk(NCHUNKS - 1), &tag));
	/* A chunk put again (freed, reused, freed) gives its newer tag. */
	hg_quarantine_put(chunk(20), 100, 12345, 4000, log_release);
	assert_true(hg_quarantine_tag(chunk(20), &tag));
	assert_int_equal(tag, 12345);
	hg_quarantine_drain(ignore_release, false);
	assert_false(hg_quarantine_tag(chunk(30), &tag));
}

static void test_full_ring_releases_its_oldest(void **state)
{
	(void)state;
	/* No byte limit to speak of: only the ring's slots bound it. */
	for (size_t i = 0; i < RING_SLOTS + 2 * BATCH; i++)
		put(i, 16, SIZE_MAX, log_release);
	assert_int_equal(nreleased, 2 * BATCH);
	for (size_t i = 0; i < nreleased; i++)
		assert_int_equal(released_order[i], i);
}

static void test_release_gets_every_chunk_exactly_once(void **state)
{
	(void)state;
	/* Released for the byte limit, then for want of slots (no limit),
	 * then by drain, with some left in this thread's batch. */
	const size_t n = NCHUNKS - 5;
	for (size_t i = 0; i < n; i++)
		put(i, size_of(i), i < n / 4 ? (size_t)1 << 20 : SIZE_MAX,
				  log_release);
	assert_true(nreleased >= n - RING_SLOTS - BATCH); /* a full ring, a batch held */
	hg_quarantine_drain(log_release, false);
	assert_int_equal(nreleased, n);
	for (size_t i = 0; i < NCHUNKS; i++)
		assert_int_equal(released_times[i], i < n ? 1 : 0);
}

static void count_visit(struct hg_chunk *c, void *ctx)
{
	size_t *seen = ctx;
	seen[index_of(c)]++;
}

static size_t seen[NCHUNKS];

static void test_drain_releases_the_ring_and_the_callers_batch(void **state)
{
	(void)state;
	/* A batch in the ring and 4 chunks still in this thread's batch. */
	for (size_t i = 0; i < BATCH + 4; i++)
		put(i, 64, SIZE_MAX, log_release);
	assert_int_equal(nreleased, 0);
	hg_quarantine_drain(log_release, false);
	assert_int_equal(nreleased, BATCH + 4);
	for (size_t i = 0; i < BATCH + 4; i++)
		assert_int_equal(released_times[i], 1);
	memset(seen, 0, sizeof(seen));
	hg_quarantine_each(count_visit, seen);
	for (size_t i = 0; i < BATCH + 4; i++)
		assert_int_equal(seen[i], 0);
	hg_quarantine_drain(log_release, false);
	assert_int_equal(nreleased, BATCH + 4);
}

static void test_each_visits_every_held_chunk_without_releasing(void **state)
{
	(void)state;
	const size_t n = 2 * BATCH + 8;
	for (size_t i = 0; i < n; i++)
		put(i, 64, SIZE_MAX, log_release);
	memset(seen, 0, sizeof(seen));
	hg_quarantine_each(count_visit, seen);
	for (size_t i = 0; i < n + 1; i++)
		assert_int_equal(seen[i], i < n ? 1 : 0);
	assert_int_equal(nreleased, 0);
	hg_quarantine_drain(log_release, false);
	assert_int_equal(nreleased, n);
}

/* Fewer frees than a batch, then the thread's exit hook. */
static void *free_a_few_and_exit(void *arg)
{
	size_t limit = *(const size_t *)arg;
	for (size_t i = 0; i < 5; i++)
		put(100 + i, 100, limit, log_release);
	hg_quarantine_thread_exit(limit, log_release);
	return NULL;
}

static void test_thread_exit_hands_its_batch_on(void **state)
{
	(void)state;
	pthread_t th;
	size_t limit = SIZE_MAX;
	assert_int_equal(pthread_create(&th, NULL, free_a_few_and_exit, &limit), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	/* The thread is gone; its chunks are in the ring, seen from here. */
	memset(seen, 0, sizeof(seen));
	hg_quarantine_each(count_visit, seen);
	for (size_t i = 100; i < 105; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(nreleased, 0);
	hg_quarantine_drain(log_release, false);
	assert_int_equal(nreleased, 5);

	/* The limit holds at the hand-over too: 250 bytes keep 2 of 5. */
	nreleased = 0;
	limit = 250;
	assert_int_equal(pthread_create(&th, NULL, free_a_few_and_exit, &limit), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(nreleased, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(released_order[i], 100 + i);
}

/* fork() with the quarantine's lock held by prepare: the child's handler
 * makes it usable there, the parent's releases it here.  A handler that
 * does not would leave the process stuck on the lock: alarm() ends it. */
static void test_fork_handlers_leave_the_quarantine_usable(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++)
		put(i, 64, SIZE_MAX, log_release);
	hg_quarantine_fork_prepare();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		hg_quarantine_fork_child(true);
		alarm(2);
		for (size_t i = 3; i < 3 + BATCH; i++)
			put(i, 64, SIZE_MAX, log_release);
		hg_quarantine_drain(log_release, false);
		_exit(nreleased == 3 + BATCH ? 0 : 1);
	}
	hg_quarantine_fork_parent();
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	alarm(2);
	for (size_t i = 3; i < 3 + BATCH; i++)
		put(i, 64, SIZE_MAX, log_release);
	hg_quarantine_drain(log_release, false);
	alarm(0);
	assert_int_equal(nreleased, 3 + BATCH);
}

/* At a fork child's exit only its own frees are drained: those held when
 * it was forked (in the ring and in its batch) are the parent's.  Called
 * without fork: hg_quarantine_fork_child only marks what is held. */
static void test_child_drain_keeps_what_the_parent_freed(void **state)
{
	(void)state;
	size_t inherited = 3 * BATCH + 5, own = 2 * BATCH + 3;
	for (size_t i = 0; i < inherited; i++)
		put(i, 64, SIZE_MAX, log_release);
	hg_quarantine_fork_prepare();
	hg_quarantine_fork_child(true);
	for (size_t i = inherited; i < inherited + own; i++)
		put(i, 64, SIZE_MAX, log_release);
	hg_quarantine_drain(log_release, true);
	assert_int_equal(nreleased, own);
	for (size_t i = 0; i < inherited + own; i++)
		assert_int_equal(released_times[i], i >= inherited);
	hg_quarantine_drain(log_release, false);
	assert_int_equal(nreleased, inherited + own);
	for (size_t i = 0; i < inherited + own; i++)
		assert_int_equal(released_times[i], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_child_drain_keeps_what_the_parent_freed,
				       empty_quarantine),
		cmocka_unit_test_setup(test_chunks_leave_in_the_order_they_came, empty_quarantine),
		cmocka_unit_test_setup(test_held_bytes_stay_within_the_limit, empty_quarantine),
		cmocka_unit_test_setup(test_large_frees_after_many_small_ones_stay_within_the_limit,
				       empty_quarantine),
		cmocka_unit_test_setup(test_a_held_chunks_tag_is_found, empty_quarantine),
		cmocka_unit_test_setup(test_full_ring_releases_its_oldest, empty_quarantine),
		cmocka_unit_test_setup(test_release_gets_every_chunk_exactly_once,
				       empty_quarantine),
		cmocka_unit_test_setup(test_drain_releases_the_ring_and_the_callers_batch,
				       empty_quarantine),
		cmocka_unit_test_setup(test_each_visits_every_held_chunk_without_releasing,
				       empty_quarantine),
		cmocka_unit_test_setup(test_thread_exit_hands_its_batch_on, empty_quarantine),
		cmocka_unit_test_setup(test_fork_handlers_leave_the_quarantine_usable,
				       empty_quarantine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
