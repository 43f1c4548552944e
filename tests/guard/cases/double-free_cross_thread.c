/* SPDX-License-Identifier: MIT */
/* Cross-thread double free: a thread frees the chunk and exits (its tcache
 * is flushed to the arena), then the main thread frees it again.
 * EXPECT-FULL: double-free
 * EXPECT-FAST: double-free
 * glibc 2.36: attack succeeds (the dying thread flushed it to the fastbin,
 * the second free puts it in the main thread's tcache). */
#include "corpus.h"
#include <pthread.h>

static void *victim;

static void *worker(void *arg)
{
	(void)arg;
	free(victim);
	return NULL;
}

int main(void)
{
	pthread_t t;
	victim = malloc(40);
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	free(victim); /* the double free */
	/* the chunk is now in the main tcache and in the fastbin */
	void *x = malloc(40), *y = calloc(1, 40);
	return corpus_result(x != NULL && x == y);
}
