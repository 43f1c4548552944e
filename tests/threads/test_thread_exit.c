/* SPDX-License-Identifier: MIT */
/* Threads exit while blocks they allocated are still live elsewhere, and
 * while they hold blocks other (already dead) threads allocated: a chain of
 * generations where each thread frees half of what its predecessor made,
 * allocates its own, and exits. Blocks outlive their arena's last user;
 * the final survivors are verified and freed by the main thread. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

#define GENERATIONS 300
#define PER_GEN 200
#define PARALLEL 4

struct batch {
	unsigned gen;
	unsigned char *blk[PER_GEN];
	size_t len[PER_GEN];
};

struct job {
	struct batch *in;  /* made by a dead thread; verify, free half */
	struct batch *out; /* made by this thread; outlives it */
};

static void verify_batch(const struct batch *b)
{
	for (int i = 0; i < PER_GEN; i++) {
		if (b->blk[i] == NULL)
			continue;
		size_t bad = hgtest_verify(b->blk[i], b->len[i],
					   b->gen * 1000u + (unsigned)i);
		CHECK(bad == b->len[i],
		      "gen %u block %d (len %zu) corrupted at %zu after its "
		      "thread exited",
		      b->gen, i, b->len[i], bad);
	}
}

static void *generation(void *arg)
{
	struct job *j = arg;
	if (j->in) {
		verify_batch(j->in);
		for (int i = 0; i < PER_GEN; i += 2) {
			free(j->in->blk[i]);
			j->in->blk[i] = NULL;
		}
	}
	struct batch *b = malloc(sizeof(*b));
	CHECK(b != NULL, "malloc batch");
	b->gen = (unsigned)(uintptr_t)j->out;
	uint64_t rng = b->gen + 77;
	for (int i = 0; i < PER_GEN; i++) {
		uint64_t r = hgtest_rand(&rng);
		b->len[i] = 1 + ((i % 50 == 0) ? r % 300000 : r % 2000);
		b->blk[i] = malloc(b->len[i]);
		CHECK(b->blk[i] != NULL, "malloc(%zu)", b->len[i]);
		hgtest_fill(b->blk[i], b->len[i], b->gen * 1000u + (unsigned)i);
	}
	j->out = b;
	return NULL;
}

int main(void)
{
	hgtest_timeout(120);
	struct batch *older[PARALLEL] = { 0 }; /* two generations back */
	struct batch *prev[PARALLEL] = { 0 };
	for (unsigned g = 0; g < GENERATIONS; g++) {
		pthread_t t[PARALLEL];
		struct job jobs[PARALLEL];
		for (int k = 0; k < PARALLEL; k++) {
			jobs[k].in = prev[(k + 1) % PARALLEL];
			jobs[k].out = (void *)(uintptr_t)(g * PARALLEL +
							  (unsigned)k + 1);
			CHECK(pthread_create(&t[k], NULL, generation,
					     &jobs[k]) == 0,
			      "pthread_create gen %u", g);
		}
		for (int k = 0; k < PARALLEL; k++)
			CHECK(pthread_join(t[k], NULL) == 0, "join");
		/* two generations back: both halves were made by threads now
		 * dead; the main thread verifies and frees the rest */
		for (int k = 0; k < PARALLEL; k++) {
			if (older[k]) {
				verify_batch(older[k]);
				for (int i = 0; i < PER_GEN; i++)
					free(older[k]->blk[i]);
				free(older[k]);
			}
			older[k] = prev[k];
			prev[k] = jobs[k].out;
		}
	}
	for (int k = 0; k < PARALLEL; k++) {
		struct batch *bs[2] = { older[k], prev[k] };
		for (int b = 0; b < 2; b++) {
			if (!bs[b])
				continue;
			verify_batch(bs[b]);
			for (int i = 0; i < PER_GEN; i++)
				free(bs[b]->blk[i]);
			free(bs[b]);
		}
	}
	printf("PASS: %d generations of exiting threads\n", GENERATIONS);
	return 0;
}
