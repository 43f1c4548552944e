/* SPDX-License-Identifier: MIT */
/* Producer/consumer queues: producers allocate messages of mixed sizes in
 * batches and queue them; consumers read and free them, so every block is
 * freed by a thread other than the one that allocated it.
 * Usage: prodcons [producers] [consumers] [messages per producer] */
#include <pthread.h>
#include <string.h>

#include "bench.h"

#define BATCH 64
#define QUEUE 64

struct batch {
	int count;
	char *msg[BATCH];
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct batch *slot[QUEUE];
	unsigned head, tail;
	int producers_left;
} queue;

static long messages_per_producer;

static void put(struct batch *b)
{
	pthread_mutex_lock(&queue.lock);
	while (queue.head - queue.tail == QUEUE)
		pthread_cond_wait(&queue.not_full, &queue.lock);
	queue.slot[queue.head++ % QUEUE] = b;
	pthread_cond_signal(&queue.not_empty);
	pthread_mutex_unlock(&queue.lock);
}

/* NULL once the queue is empty and every producer is done. */
static struct batch *take(void)
{
	pthread_mutex_lock(&queue.lock);
	while (queue.head == queue.tail && queue.producers_left > 0)
		pthread_cond_wait(&queue.not_empty, &queue.lock);
	struct batch *b = NULL;
	if (queue.head != queue.tail) {
		b = queue.slot[queue.tail++ % QUEUE];
		pthread_cond_signal(&queue.not_full);
	}
	pthread_mutex_unlock(&queue.lock);
	return b;
}

static void *producer(void *arg)
{
	uint64_t rng = 0x2545f4914f6cdd1dull * ((uint64_t)(uintptr_t)arg + 1);
	struct batch *b = NULL;
	for (long i = 0; i < messages_per_producer; i++) {
		if (b == NULL) {
			b = bench_check(malloc(sizeof(*b)));
			b->count = 0;
		}
		uint64_t r = bench_random(&rng);
		size_t n = r % 8 ? 32 + r % 480 : 512 + r % 3584;
		char *m = bench_check(malloc(n));
		memset(m, (int)i, n < 64 ? n : 64);
		b->msg[b->count++] = m;
		if (b->count == BATCH) {
			put(b);
			b = NULL;
		}
	}
	if (b != NULL)
		put(b);
	pthread_mutex_lock(&queue.lock);
	queue.producers_left--;
	pthread_cond_broadcast(&queue.not_empty);
	pthread_mutex_unlock(&queue.lock);
	return NULL;
}

static void *consumer(void *arg)
{
	unsigned long sum = 0;
	struct batch *b;
	(void)arg;
	while ((b = take()) != NULL) {
		for (int i = 0; i < b->count; i++) {
			sum += (unsigned char)b->msg[i][0];
			free(b->msg[i]);
		}
		free(b);
	}
	return (void *)(uintptr_t)sum;
}

int main(int argc, char **argv)
{
	int producers = (int)bench_arg(argc, argv, 1, 2);
	int consumers = (int)bench_arg(argc, argv, 2, 2);
	messages_per_producer = bench_arg(argc, argv, 3, 2000000);
	if (producers < 1 || consumers < 1 || producers + consumers > 64)
		return 2;
	pthread_t t[64];
	pthread_mutex_init(&queue.lock, NULL);
	pthread_cond_init(&queue.not_empty, NULL);
	pthread_cond_init(&queue.not_full, NULL);
	queue.producers_left = producers;
	uint64_t start = bench_now_ns();
	for (int i = 0; i < producers; i++)
		pthread_create(&t[i], NULL, producer, (void *)(uintptr_t)i);
	for (int i = 0; i < consumers; i++)
		pthread_create(&t[producers + i], NULL, consumer, NULL);
	for (int i = 0; i < producers + consumers; i++)
		pthread_join(t[i], NULL);
	long batches = (messages_per_producer + BATCH - 1) / BATCH;
	bench_report(producers * (messages_per_producer + batches), start);
	return 0;
}
