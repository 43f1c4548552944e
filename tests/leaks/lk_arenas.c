/* SPDX-License-Identifier: MIT */
/* Four threads at once, so in four arenas whose heaps lie in no particular
 * address order, each keep a list of 100 nodes of 40 bytes reachable from a
 * global and lose a list of 50 nodes of 48 bytes: 400 reachable blocks,
 * 4 lost heads (192 bytes) and 196 indirect nodes (9,408 bytes).  The leak
 * scan gets the blocks arena by arena, some hundreds of them, and must sort
 * them by address before it can resolve a pointer. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "lk.h"

#define THREADS 4

struct kept {
	struct kept *next;
	char pad[32];
};

struct lost {
	struct lost *next;
	char pad[40];
};

static struct kept *roots[THREADS];
static pthread_barrier_t all_started;

LK_SITE struct kept *new_kept_node(struct kept *next)
{
	struct kept *k = calloc(1, sizeof(*k));

	k->next = next;
	return k;
}

LK_SITE struct lost *new_lost_node(struct lost *next)
{
	struct lost *l = calloc(1, sizeof(*l));

	l->next = next;
	return l;
}

static void *worker(void *arg)
{
	uintptr_t i = (uintptr_t)arg;
	struct lost *volatile lost = NULL;

	pthread_barrier_wait(&all_started);
	for (int n = 0; n < 100; n++) {
		roots[i] = new_kept_node(roots[i]);
		if (n % 2 == 0)
			lost = new_lost_node(lost);
	}
	lost = NULL;
	lk_scrub_stack();
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];

	pthread_barrier_init(&all_started, NULL, THREADS);
	for (uintptr_t i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
			return 1;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	lk_scrub_stack();
	return 0;
}
