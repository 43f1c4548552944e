/* SPDX-License-Identifier: MIT */
/* Blocks allocated by one thread, freed by another (both directions), in
 * tcache, fastbin, small, large and mmap sizes. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define N 500
static void *blocks[N];
static const size_t sizes[] = {16, 40, 200, 3000, 200000};

static void *alloc_all(void *arg)
{
	(void)arg;
	for (int i = 0; i < N; i++) {
		size_t n = sizes[i % 5];
		blocks[i] = malloc(n);
		memset(blocks[i], 1, n);
	}
	return NULL;
}

static void *free_all(void *arg)
{
	(void)arg;
	for (int i = 0; i < N; i++)
		free(blocks[i]);
	return NULL;
}

int main(void)
{
	pthread_t t;
	for (int round = 0; round < 4; round++) {
		if (round % 2 == 0) {
			pthread_create(&t, NULL, alloc_all, NULL);
			pthread_join(t, NULL);
			free_all(NULL);
		} else {
			alloc_all(NULL);
			pthread_create(&t, NULL, free_all, NULL);
			pthread_join(t, NULL);
		}
	}
	return 0;
}
