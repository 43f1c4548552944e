/* SPDX-License-Identifier: MIT */
/* Four threads allocate, the main thread frees: cross-thread frees, one arena each.
 * malloc_stats() at exit shows an arena per busy thread (up to 8 x cores).
 * heapguard-demo: --no-run --stats_at_exit=1 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS  4
#define NMESSAGES 20000

struct producer {
	pthread_t thread;
	int id;
	char **messages; /* NMESSAGES pointers, filled by the thread */
};

static void *produce(void *arg)
{
	struct producer *p = arg;

	for (int i = 0; i < NMESSAGES; i++) {
		size_t len = 16 + (size_t)((i * 7 + p->id) % 200);

		p->messages[i] = malloc(len);
		if (p->messages[i] == NULL)
			return NULL;
		snprintf(p->messages[i], len, "t%d m%d", p->id, i);
	}
	return p;
}

int main(void)
{
	struct producer producers[NTHREADS];
	size_t freed = 0;

	for (int t = 0; t < NTHREADS; t++) {
		producers[t].id = t;
		producers[t].messages = calloc(NMESSAGES, sizeof(char *));
		if (producers[t].messages == NULL ||
		    pthread_create(&producers[t].thread, NULL, produce, &producers[t]) != 0)
			return 1;
	}
	for (int t = 0; t < NTHREADS; t++) {
		void *ok;

		if (pthread_join(producers[t].thread, &ok) != 0 || ok == NULL)
			return 1;
		/* the main thread frees what the producer allocated */
		for (int i = 0; i < NMESSAGES; i++) {
			if (strncmp(producers[t].messages[i], "t", 1) != 0)
				return 1;
			free(producers[t].messages[i]);
			freed++;
		}
		free(producers[t].messages);
	}
	printf("%d threads, %zu messages freed by another thread\n", NTHREADS, freed);
	return 0;
}
