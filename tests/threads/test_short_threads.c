/* SPDX-License-Identifier: MIT */
/* 2000 short-lived threads created and joined in waves of 40: each
 * allocates and frees a mix of sizes (filling its tcache), leaves a few
 * blocks for the main thread to free, and exits. The heap must stay
 * consistent and RSS bounded, i.e. exiting threads' caches are reclaimed. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

#define NTHREADS 2000
#define WAVE 40
#define KEEP 4

struct work {
	unsigned id;
	void *kept[KEEP];
	size_t kept_len[KEEP];
};

static void *worker(void *arg)
{
	struct work *w = arg;
	uint64_t rng = w->id * 2654435761u + 1;
	void *blk[64];
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < 64; i++) {
			size_t n = hgtest_rand(&rng) % (i < 60 ? 1024 : 100000);
			blk[i] = malloc(n);
			CHECK(blk[i] != NULL, "thread %u malloc(%zu)", w->id, n);
			memset(blk[i], (int)w->id, n);
		}
		for (int i = 0; i < 64; i++)
			free(blk[i]);
	}
	for (int i = 0; i < KEEP; i++) {
		w->kept_len[i] = 16 + hgtest_rand(&rng) % 3000;
		w->kept[i] = malloc(w->kept_len[i]);
		CHECK(w->kept[i] != NULL, "malloc kept");
		hgtest_fill(w->kept[i], w->kept_len[i], w->id + (unsigned)i);
	}
	return NULL;
}

int main(void)
{
	hgtest_timeout(120);
	static struct work work[WAVE];
	pthread_t tid[WAVE];
	size_t rss_mid = 0;
	for (unsigned base = 0; base < NTHREADS; base += WAVE) {
		for (unsigned i = 0; i < WAVE; i++) {
			work[i].id = base + i;
			CHECK(pthread_create(&tid[i], NULL, worker, &work[i]) ==
				      0,
			      "pthread_create #%u", base + i);
		}
		for (unsigned i = 0; i < WAVE; i++)
			CHECK(pthread_join(tid[i], NULL) == 0, "join");
		/* the main thread frees what the dead threads allocated */
		for (unsigned i = 0; i < WAVE; i++)
			for (int k = 0; k < KEEP; k++) {
				size_t bad = hgtest_verify(work[i].kept[k],
							   work[i].kept_len[k],
							   work[i].id +
								   (unsigned)k);
				CHECK(bad == work[i].kept_len[k],
				      "block of dead thread %u corrupted",
				      work[i].id);
				free(work[i].kept[k]);
			}
		if (base == NTHREADS / 2)
			rss_mid = hgtest_rss_bytes();
	}
	size_t rss_end = hgtest_rss_bytes();
	printf("RSS at half-way %zu KiB, at end %zu KiB\n", rss_mid >> 10,
	       rss_end >> 10);
	CHECK(rss_end < rss_mid + (64u << 20),
	      "RSS grew by %zu KiB over 1000 threads: thread caches leak?",
	      (rss_end - rss_mid) >> 10);
	printf("PASS: %d short-lived threads\n", NTHREADS);
	return 0;
}
