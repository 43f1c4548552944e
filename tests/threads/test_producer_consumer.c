/* SPDX-License-Identifier: MIT */
/* Cross-thread frees at volume: 4 producers allocate a million objects of
 * mixed sizes, fill them, and hand them over 4 queues to 4 consumers that
 * verify the contents and free them, so nearly every free happens in a
 * thread (and usually an arena) other than the one that allocated. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

#define NPROD 4
#define NCONS 4
#define NOBJ 1000000
#define QCAP 1024

struct obj {
	uint32_t producer;
	uint32_t seq;
	size_t size; /* total bytes including this header */
	unsigned char data[];
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	pthread_cond_t nonfull;
	struct obj *slot[QCAP];
	size_t head, tail, count;
};

static struct queue queues[NCONS];
static unsigned long consumed[NCONS];

static void queue_push(struct queue *q, struct obj *o)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == QCAP)
		pthread_cond_wait(&q->nonfull, &q->lock);
	q->slot[q->tail] = o;
	q->tail = (q->tail + 1) % QCAP;
	q->count++;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

static struct obj *queue_pop(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	while (q->count == 0)
		pthread_cond_wait(&q->nonempty, &q->lock);
	struct obj *o = q->slot[q->head];
	q->head = (q->head + 1) % QCAP;
	q->count--;
	pthread_cond_signal(&q->nonfull);
	pthread_mutex_unlock(&q->lock);
	return o;
}

static size_t pick_size(uint64_t *rng)
{
	uint64_t r = hgtest_rand(rng);
	switch (r % 16) {
	case 0:
		return sizeof(struct obj) + (r >> 8) % 70000;
	case 1:
	case 2:
		return sizeof(struct obj) + (r >> 8) % 4000;
	default:
		return sizeof(struct obj) + (r >> 8) % 256;
	}
}

static void *producer(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	uint64_t rng = 0x9e3779b97f4a7c15ull * (id + 1);
	for (uint32_t seq = 0; seq < NOBJ / NPROD; seq++) {
		size_t size = pick_size(&rng);
		struct obj *o = malloc(size);
		CHECK(o != NULL, "producer %u malloc(%zu)", id, size);
		o->producer = id;
		o->seq = seq;
		o->size = size;
		hgtest_fill(o->data, size - sizeof(*o), id * 7919u + seq);
		queue_push(&queues[(id + seq) % NCONS], o);
	}
	for (int c = 0; c < NCONS; c++)
		queue_push(&queues[c], NULL);
	return NULL;
}

static void *consumer(void *arg)
{
	int id = (int)(uintptr_t)arg;
	int finished = 0;
	while (finished < NPROD) {
		struct obj *o = queue_pop(&queues[id]);
		if (o == NULL) {
			finished++;
			continue;
		}
		size_t n = o->size - sizeof(*o);
		CHECK(o->producer < NPROD, "bad producer id %u", o->producer);
		CHECK(malloc_usable_size(o) >= o->size, "usable size shrank");
		size_t bad = hgtest_verify(o->data, n,
					   o->producer * 7919u + o->seq);
		CHECK(bad == n, "object %u/%u corrupted at byte %zu of %zu",
		      o->producer, o->seq, bad, n);
		free(o);
		consumed[id]++;
	}
	return NULL;
}

int main(void)
{
	hgtest_timeout(120);
	pthread_t prod[NPROD], cons[NCONS];
	for (int i = 0; i < NCONS; i++) {
		pthread_mutex_init(&queues[i].lock, NULL);
		pthread_cond_init(&queues[i].nonempty, NULL);
		pthread_cond_init(&queues[i].nonfull, NULL);
	}
	for (int i = 0; i < NCONS; i++)
		CHECK(pthread_create(&cons[i], NULL, consumer,
				     (void *)(uintptr_t)i) == 0,
		      "pthread_create");
	for (int i = 0; i < NPROD; i++)
		CHECK(pthread_create(&prod[i], NULL, producer,
				     (void *)(uintptr_t)i) == 0,
		      "pthread_create");
	for (int i = 0; i < NPROD; i++)
		pthread_join(prod[i], NULL);
	unsigned long total = 0;
	for (int i = 0; i < NCONS; i++) {
		pthread_join(cons[i], NULL);
		total += consumed[i];
	}
	CHECK(total == NOBJ, "consumed %lu objects, produced %d", total, NOBJ);
	printf("PASS: %lu objects passed between threads\n", total);
	return 0;
}
