/* SPDX-License-Identifier: MIT */
/* message_pool: examples/swiss_cheese.c fixed.  The same 100,000 messages
 * arrive and the same one in ten is kept, but a kept message is copied into
 * a pool of its own (1 MiB slabs, which malloc maps apart from the heap),
 * and every received message is freed when its request completes.  The
 * long-lived and the short-lived no longer share the heap: once the
 * requests are done the heap is one free top chunk that trimming returns,
 * and the fragmentation report says the heap is compact.
 * heapguard-demo: --no-run */
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGES 100000
#define MESSAGE_SIZE 1000
#define SLAB_SIZE ((size_t)1 << 20)

/* A bump allocator for messages that live as long as the program. */
struct pool {
	char *slab;
	size_t used;
};

static __attribute__((noinline)) char *pool_keep(struct pool *p, const char *m, size_t len)
{
	if (p->slab == NULL || p->used + len > SLAB_SIZE) {
		p->slab = malloc(SLAB_SIZE); /* slabs are never freed: the kept messages stay */
		if (p->slab == NULL)
			return NULL;
		p->used = 0;
	}
	char *copy = p->slab + p->used;
	memcpy(copy, m, len);
	p->used += len;
	return copy;
}

static __attribute__((noinline)) char *make_message(unsigned id)
{
	char *m = malloc(MESSAGE_SIZE);
	if (m != NULL)
		snprintf(m, MESSAGE_SIZE, "message %u", id);
	return m;
}

static void shuffle(unsigned *order, unsigned n)
{
	unsigned x = 2463534242u;
	for (unsigned i = n - 1; i > 0; i--) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		unsigned j = x % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

static long resident_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * 4;
}

int main(void)
{
	static char *received[MESSAGES];
	static char *kept[MESSAGES];
	static unsigned order[MESSAGES];
	struct pool pool = { NULL, 0 };
	printf("message_pool: receiving %u messages of %u bytes\n", MESSAGES, MESSAGE_SIZE);
	fflush(stdout);
	for (unsigned i = 0; i < MESSAGES; i++) {
		received[i] = make_message(i);
		order[i] = i;
	}
	shuffle(order, MESSAGES);
	/* The same one in ten is kept as in swiss_cheese: a copy in the pool. */
	for (unsigned i = MESSAGES / 10 * 9; i < MESSAGES; i++)
		kept[order[i]] = pool_keep(&pool, received[order[i]], MESSAGE_SIZE);
	for (unsigned i = 0; i < MESSAGES; i++)
		free(received[order[i]]);
	printf("message_pool: %u messages kept of %u; resident %ld KiB\n", MESSAGES / 10, MESSAGES,
	       resident_kib());
	int (*report)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "heapguard_report");
	if (report != NULL)
		report();
	return kept[order[MESSAGES - 1]] == NULL;
}
