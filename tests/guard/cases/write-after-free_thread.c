/* SPDX-License-Identifier: MIT */
/* Write after free across threads: a worker frees the block, the main
 * thread then writes into it (offset 33 of a 96-byte block).
 * EXPECT-FULL: write-after-free
 * EXPECT-FAST: none
 * glibc 2.36: not detected. */
#include "corpus.h"
#include <pthread.h>

static char *shared;

static void *worker(void *arg)
{
	(void)arg;
	free(shared);
	return NULL;
}

int main(void)
{
	pthread_t t;
	shared = malloc(96);
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	shared[33] = 'W'; /* the write after free */
	return corpus_result(0);
}
