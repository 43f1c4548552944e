/* SPDX-License-Identifier: MIT */
/* Server-style multithreaded churn: each worker allocates messages of mixed
 * sizes, frees two thirds itself and hands one third to the next worker,
 * which frees them (cross-thread frees).  Usage: xthread [threads] [ops] */
#include <pthread.h>

#include "bench.h"

#define RING 1024

struct mailbox {
	pthread_mutex_t lock;
	void *items[RING];
	unsigned head, tail;
};

static int nthreads;
static long ops_per_thread;
static struct mailbox *boxes;

static void *worker(void *arg)
{
	long id = (long)(intptr_t)arg;
	uint64_t s = 0x9e3779b97f4a7c15ull * (uint64_t)(id + 1);
	void *local[256] = { 0 };
	struct mailbox *out = &boxes[(id + 1) % nthreads], *in = &boxes[id];
	for (long i = 0; i < ops_per_thread; i++) {
		bench_random(&s);
		size_t n = (s % 100) < 90 ? 16 + s % 500 : 512 + s % 16000;
		void *p = bench_check(malloc(n));
		((char *)p)[0] = 1;
		if (s % 3 == 0) {
			pthread_mutex_lock(&out->lock);
			if (out->head - out->tail < RING) {
				out->items[out->head++ % RING] = p;
				p = NULL;
			}
			pthread_mutex_unlock(&out->lock);
		}
		if (p != NULL) {
			unsigned k = (unsigned)(s >> 32) % 256;
			free(local[k]);
			local[k] = p;
		}
		pthread_mutex_lock(&in->lock);
		while (in->tail != in->head)
			free(in->items[in->tail++ % RING]);
		pthread_mutex_unlock(&in->lock);
	}
	for (int k = 0; k < 256; k++)
		free(local[k]);
	return NULL;
}

int main(int argc, char **argv)
{
	nthreads = argc > 1 ? atoi(argv[1]) : 4;
	ops_per_thread = argc > 2 ? atol(argv[2]) : 2000000;
	if (nthreads < 1)
		return 2;
	boxes = bench_check(calloc((size_t)nthreads, sizeof(*boxes)));
	pthread_t *t = bench_check(calloc((size_t)nthreads, sizeof(*t)));
	uint64_t start = bench_now_ns();
	for (int i = 0; i < nthreads; i++)
		pthread_mutex_init(&boxes[i].lock, NULL);
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < nthreads; i++)
		while (boxes[i].tail != boxes[i].head)
			free(boxes[i].items[boxes[i].tail++ % RING]);
	bench_report(nthreads * ops_per_thread, start);
	free(t);
	free(boxes);
	return 0;
}
