/* SPDX-License-Identifier: MIT */
/* More threads than arenas: 64 threads churn concurrently with live sets
 * and hand blocks to each other, first with the default arena limit, then
 * re-executed with MALLOC_ARENA_MAX=2 and with
 * GLIBC_TUNABLES=glibc.malloc.arena_max=2; with a limit of 2 the process
 * must not report more than 2 heaps in malloc_info. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

#define NTHREADS 64
#define OPS 30000
#define LIVE 64

/* one shared mailbox per thread pair: blocks cross threads through it */
static void *_Atomic mailbox[NTHREADS];

static void *churn(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	uint64_t rng = id * 0x2545F4914F6CDD1Dull + 3;
	unsigned char *blk[LIVE] = { 0 };
	size_t len[LIVE] = { 0 };
	for (int op = 0; op < OPS; op++) {
		int i = (int)(hgtest_rand(&rng) % LIVE);
		if (blk[i]) {
			CHECK(blk[i][0] == (unsigned char)id &&
				      blk[i][len[i] - 1] == (unsigned char)id,
			      "thread %u block corrupted", id);
			free(blk[i]);
		}
		uint64_t r = hgtest_rand(&rng);
		len[i] = 1 + ((r % 64 == 0) ? r % 150000 : r % 1500);
		blk[i] = malloc(len[i]);
		CHECK(blk[i] != NULL, "thread %u malloc(%zu)", id, len[i]);
		memset(blk[i], (int)id, len[i]);
		if (op % 50 == 0) {
			/* give a fresh block to a neighbour, free what was
			 * left for us */
			void *mine = malloc(64 + r % 512);
			CHECK(mine != NULL, "malloc");
			void *old = atomic_exchange(
				&mailbox[(id + 1) % NTHREADS], mine);
			free(old);
		}
	}
	for (int i = 0; i < LIVE; i++)
		free(blk[i]);
	return NULL;
}

static void run(const char *mode)
{
	pthread_t t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)i) ==
			      0,
		      "pthread_create %d", i);
	for (int i = 0; i < NTHREADS; i++)
		CHECK(pthread_join(t[i], NULL) == 0, "pthread_join");
	for (int i = 0; i < NTHREADS; i++)
		free(atomic_exchange(&mailbox[i], NULL));
	int heaps = hgtest_count_arenas();
	printf("%s: %d threads used %d arenas\n", mode, NTHREADS, heaps);
	CHECK(heaps >= 1, "malloc_info lists no heap");
	if (strcmp(mode, "default") != 0)
		CHECK(heaps <= 2, "%s: %d arenas with an arena limit of 2",
		      mode, heaps);
}

static void reexec(char **argv, const char *mode)
{
	fflush(stdout);
	execl("/proc/self/exe", argv[0], mode, (char *)NULL);
	CHECK(0, "re-exec: %s", strerror(errno));
}

int main(int argc, char **argv)
{
	hgtest_timeout(120);
	const char *mode = argc > 1 ? argv[1] : "default";
	run(mode);
	if (strcmp(mode, "default") == 0) {
		setenv("MALLOC_ARENA_MAX", "2", 1);
		reexec(argv, "env");
	} else if (strcmp(mode, "env") == 0) {
		unsetenv("MALLOC_ARENA_MAX");
		setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=2", 1);
		reexec(argv, "tunable");
	}
	printf("PASS: more threads than arenas\n");
	return 0;
}
