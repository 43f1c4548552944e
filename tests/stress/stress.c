/* SPDX-License-Identifier: MIT */
/* The allocator under load: 12 worker slots run threads that allocate and
 * free random sizes across every bin, past the mmap threshold (its dynamic
 * maximum included), realloc and the memalign family mixed in; a third of
 * the frees go through hand-off queues to other threads; threads exit after
 * a random number of operations and are replaced until the operation budget
 * (argv[1], deterministic in work) is spent.  Every block carries a pattern
 * derived from its serial, verified before every free and after every
 * realloc.  At the end heapguard_check_heap() (looked up with dlsym, so the
 * program also runs on glibc) must return 0.  Prints the time it took. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/hgtest.h"

#define NSLOTS	   12	/* threads alive at once */
#define NBLOCKS	   128	/* blocks a thread keeps */
#define QUEUE_LEN  1024 /* hand-off queue entries per slot */
#define THREAD_MIN 500	/* operations per thread: MIN .. MIN + SPREAD */
#define THREAD_SPREAD 6000
#define DEFAULT_OPS 400000

struct block {
	unsigned char *p;
	size_t size;
	uint64_t serial;
};

/* Frees handed to the thread running in a slot (whoever that is now). */
struct queue {
	pthread_mutex_t lock;
	unsigned head, count;
	struct block items[QUEUE_LEN];
};

static struct queue queues[NSLOTS];
static atomic_uint_fast64_t next_serial = 1;
static atomic_ulong n_mallocs, n_frees, n_handed, n_reallocs, n_aligned, n_huge, n_bad;

/* The pattern: byte i of a block is byte i%8 of word(serial, i/8). */
static inline uint64_t pattern_word(uint64_t serial, size_t k)
{
	return serial * 0x9e3779b97f4a7c15ull ^ (uint64_t)k * 0xd6e8feb86659fd93ull ^ (uint64_t)k << 7;
}

static void fill(unsigned char *p, size_t from, size_t to, uint64_t serial)
{
	size_t i = from;
	for (; i < to && i % 8 != 0; i++)
		p[i] = (unsigned char)(pattern_word(serial, i / 8) >> (8 * (i % 8)));
	for (; i + 8 <= to; i += 8) {
		uint64_t w = pattern_word(serial, i / 8);
		memcpy(p + i, &w, 8);
	}
	for (; i < to; i++)
		p[i] = (unsigned char)(pattern_word(serial, i / 8) >> (8 * (i % 8)));
}

/* Where the pattern first differs, or size if it is intact. */
static size_t check(const unsigned char *p, size_t size, uint64_t serial)
{
	size_t i = 0;
	for (; i + 8 <= size; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		if (w != pattern_word(serial, i / 8))
			break;
	}
	for (; i < size; i++)
		if (p[i] != (unsigned char)(pattern_word(serial, i / 8) >> (8 * (i % 8))))
			return i;
	return size;
}

static void verify(const struct block *b, const char *when)
{
	size_t at = check(b->p, b->size, b->serial);
	if (at != b->size) {
		atomic_fetch_add(&n_bad, 1);
		fprintf(stderr, "FAIL: block %p (%zu bytes, serial %llu) changed at byte %zu %s\n",
			(void *)b->p, b->size, (unsigned long long)b->serial, at, when);
		_exit(1);
	}
}

static void release(struct block *b, const char *when)
{
	if (b->p == NULL)
		return;
	verify(b, when);
	free(b->p);
	atomic_fetch_add_explicit(&n_frees, 1, memory_order_relaxed);
	b->p = NULL;
}

/* Sizes over every bin: tcache and fastbins, small, large, around and past
 * the mmap threshold, and rarely past its dynamic maximum (32 MiB). */
static size_t random_size(uint64_t *rng)
{
	uint64_t r = hgtest_rand(rng);
	unsigned pick = (unsigned)(r % 10000);
	r >>= 14;
	if (pick < 4000)
		return r % 129;
	if (pick < 7000)
		return 129 + r % 900;
	if (pick < 9000)
		return 1024 + r % 31000;
	if (pick < 9850)
		return 32768 + r % 230000;
	if (pick < 9999)
		return 262144 + r % 1800000;
	return (33u << 20) + r % (3u << 20);
}

static unsigned char *aligned_block(uint64_t *rng, size_t size)
{
	uint64_t r = hgtest_rand(rng);
	size_t align = (size_t)16 << (r % 9); /* 16 .. 4096 */
	void *p = NULL;
	switch ((r >> 8) % 5) {
	case 0:
		p = memalign(align, size);
		break;
	case 1:
		if (posix_memalign(&p, align, size) != 0)
			p = NULL;
		break;
	case 2:
		p = aligned_alloc(align, (size + align - 1) / align * align);
		break;
	case 3:
		align = 4096;
		p = valloc(size);
		break;
	default:
		align = 4096;
		p = pvalloc(size);
		break;
	}
	CHECK(p != NULL, "aligned allocation of %zu bytes", size);
	CHECK(((uintptr_t)p & (align - 1)) == 0, "%p not aligned to %zu", p, align);
	atomic_fetch_add_explicit(&n_aligned, 1, memory_order_relaxed);
	return p;
}

static void new_block(struct block *b, uint64_t *rng)
{
	size_t size = random_size(rng);
	unsigned how = (unsigned)(hgtest_rand(rng) % 16);
	if (how == 0) {
		b->p = aligned_block(rng, size);
	} else if (how == 1) {
		b->p = calloc(1, size);
		CHECK(b->p != NULL, "calloc(1, %zu)", size);
		for (size_t i = 0; i < size; i++)
			CHECK(b->p[i] == 0, "calloc(1, %zu): byte %zu is not zero", size, i);
	} else {
		b->p = malloc(size);
		CHECK(b->p != NULL, "malloc(%zu)", size);
	}
	CHECK(malloc_usable_size(b->p) >= size, "malloc_usable_size < %zu", size);
	b->size = size;
	b->serial = atomic_fetch_add_explicit(&next_serial, 1, memory_order_relaxed);
	fill(b->p, 0, size, b->serial);
	atomic_fetch_add_explicit(&n_mallocs, 1, memory_order_relaxed);
	if (size > (32u << 20))
		atomic_fetch_add_explicit(&n_huge, 1, memory_order_relaxed);
}

/* The pattern depends on the serial and offset only: a moved block keeps
 * its prefix, and the grown part is filled. */
static void resize_block(struct block *b, uint64_t *rng)
{
	size_t size = hgtest_rand(rng) % 4 == 0 ? b->size / 2 : random_size(rng);
	unsigned char *q = realloc(b->p, size);
	if (size == 0 && q == NULL) { /* realloc(p, 0) freed it, as glibc does */
		b->p = NULL;
		atomic_fetch_add_explicit(&n_frees, 1, memory_order_relaxed);
		return;
	}
	CHECK(q != NULL, "realloc(%p, %zu)", (void *)b->p, size);
	size_t keep = size < b->size ? size : b->size;
	struct block kept = { q, keep, b->serial };
	verify(&kept, "across realloc");
	fill(q, keep, size, b->serial);
	b->p = q;
	b->size = size;
	atomic_fetch_add_explicit(&n_reallocs, 1, memory_order_relaxed);
}

/* Hand b to the thread in slot `to`; false if its queue is full. */
static bool hand_off(unsigned to, struct block *b)
{
	struct queue *q = &queues[to];
	pthread_mutex_lock(&q->lock);
	bool ok = q->count < QUEUE_LEN;
	if (ok) {
		q->items[(q->head + q->count) % QUEUE_LEN] = *b;
		q->count++;
	}
	pthread_mutex_unlock(&q->lock);
	if (ok) {
		b->p = NULL;
		atomic_fetch_add_explicit(&n_handed, 1, memory_order_relaxed);
	}
	return ok;
}

/* Free what other threads handed to this slot. */
static void drain(unsigned slot)
{
	struct queue *q = &queues[slot];
	struct block batch[64];
	for (;;) {
		unsigned n = 0;
		pthread_mutex_lock(&q->lock);
		while (q->count > 0 && n < 64) {
			batch[n++] = q->items[q->head];
			q->head = (q->head + 1) % QUEUE_LEN;
			q->count--;
		}
		pthread_mutex_unlock(&q->lock);
		if (n == 0)
			return;
		for (unsigned i = 0; i < n; i++)
			release(&batch[i], "when freed by another thread");
	}
}

struct worker {
	unsigned slot;
	unsigned ops;
	uint64_t seed;
};

static void *work(void *arg)
{
	const struct worker *w = arg;
	uint64_t rng = w->seed;
	struct block *blocks = calloc(NBLOCKS, sizeof(*blocks));
	CHECK(blocks != NULL, "calloc blocks");
	for (unsigned op = 0; op < w->ops; op++) {
		struct block *b = &blocks[hgtest_rand(&rng) % NBLOCKS];
		unsigned what = (unsigned)(hgtest_rand(&rng) % 10);
		if (b->p == NULL) {
			new_block(b, &rng);
		} else if (what < 2) {
			resize_block(b, &rng);
		} else if (what < 5) {
			unsigned to = (unsigned)(hgtest_rand(&rng) % NSLOTS);
			if (to == w->slot || !hand_off(to, b))
				release(b, "before free");
		} else {
			release(b, "before free");
		}
		if (op % 64 == 0)
			drain(w->slot);
	}
	/* Half of what is left goes to other threads, the rest is freed here. */
	for (unsigned i = 0; i < NBLOCKS; i++) {
		if (blocks[i].p != NULL && i % 2 == 0)
			hand_off((w->slot + 1 + i) % NSLOTS, &blocks[i]);
		release(&blocks[i], "before free at thread exit");
	}
	drain(w->slot);
	free(blocks);
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long total = argc > 1 ? strtoul(argv[1], NULL, 10) : DEFAULT_OPS;
	double start = now();
	for (unsigned i = 0; i < NSLOTS; i++)
		pthread_mutex_init(&queues[i].lock, NULL);
	static struct worker workers[NSLOTS];
	pthread_t threads[NSLOTS];
	bool running[NSLOTS] = { false };
	uint64_t rng = 0x5eed5eed12345678ull;
	unsigned long planned = 0, created = 0;
	/* Round robin: wait for the slot's thread, start the next one there,
	 * until the budget is planned and every thread has been joined. */
	unsigned alive = 0;
	for (unsigned slot = 0; planned < total || alive > 0; slot = (slot + 1) % NSLOTS) {
		if (running[slot]) {
			CHECK(pthread_join(threads[slot], NULL) == 0, "pthread_join");
			running[slot] = false;
			alive--;
		}
		if (planned >= total)
			continue;
		workers[slot].slot = slot;
		workers[slot].ops = THREAD_MIN + (unsigned)(hgtest_rand(&rng) % THREAD_SPREAD);
		workers[slot].seed = hgtest_rand(&rng) | 1;
		planned += workers[slot].ops;
		CHECK(pthread_create(&threads[slot], NULL, work, &workers[slot]) == 0,
		      "pthread_create");
		running[slot] = true;
		alive++;
		created++;
	}
	for (unsigned i = 0; i < NSLOTS; i++)
		drain(i);
	CHECK(atomic_load(&n_mallocs) == atomic_load(&n_frees),
	      "%lu blocks allocated, %lu freed", (unsigned long)atomic_load(&n_mallocs),
	      (unsigned long)atomic_load(&n_frees));
	int (*check_heap)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "heapguard_check_heap");
	int errors = check_heap != NULL ? check_heap() : 0;
	CHECK(errors == 0, "heapguard_check_heap() found %d errors", errors);
	printf("stress: %lu operations in %lu threads (%lu blocks, %lu handed to another "
	       "thread, %lu reallocs, %lu aligned, %lu over 32 MiB); heap %s; %.1f s\n",
	       planned, created, (unsigned long)atomic_load(&n_mallocs),
	       (unsigned long)atomic_load(&n_handed), (unsigned long)atomic_load(&n_reallocs),
	       (unsigned long)atomic_load(&n_aligned), (unsigned long)atomic_load(&n_huge),
	       check_heap != NULL ? "checked" : "not checked (not heapguard)", now() - start);
	return 0;
}
