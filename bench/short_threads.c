/* SPDX-License-Identifier: MIT */
/* Many short-lived threads, four at a time, each allocating and freeing a
 * little (a thread pool that is not one): the cost of an allocator's
 * per-thread set-up and tear-down.  Usage: short_threads [threads] */
#include <pthread.h>

#include "bench.h"

#define WAVE 4
#define PER_THREAD 200
#define LIVE 20

static void *worker(void *arg)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)arg;
	char *live[LIVE] = { 0 };
	for (int i = 0; i < PER_THREAD; i++) {
		uint64_t r = bench_random(&rng);
		int k = (int)(r % LIVE);
		free(live[k]);
		size_t n = 16 + (r >> 16) % 2000;
		live[k] = bench_check(malloc(n));
		live[k][0] = (char)i;
	}
	for (int k = 0; k < LIVE; k++)
		free(live[k]);
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = bench_arg(argc, argv, 1, 20000);
	uint64_t start = bench_now_ns();
	for (long done = 0; done < threads; done += WAVE) {
		pthread_t t[WAVE];
		int n = threads - done < WAVE ? (int)(threads - done) : WAVE;
		for (int i = 0; i < n; i++)
			if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(done + i)) != 0)
				return 1;
		for (int i = 0; i < n; i++)
			pthread_join(t[i], NULL);
	}
	bench_report(threads * PER_THREAD, start);
	return 0;
}
