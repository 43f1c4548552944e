/* SPDX-License-Identifier: MIT */
/* swiss_cheese: the heap that never shrinks.  A service receives 100,000
 * messages of 1,000 bytes, keeps one in ten and frees the rest in the
 * order their requests complete (random).  90 MB are free, yet the process
 * keeps its 100 MB: the 10,000 survivors are scattered through the heap,
 * so no free span reaches the top, and the heap cannot shrink.  Under
 * heapguard, heapguard_report() writes the fragmentation report that says
 * so; `heapguard-report FILE.frag.gz` gives the verdict, and --svg draws the
 * heap.  examples/message_pool.c is the same service fixed.
 * heapguard-demo: --no-run */
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGES 100000
#define MESSAGE_SIZE 1000

static char *messages[MESSAGES];

static __attribute__((noinline)) char *make_message(unsigned id)
{
	char *m = malloc(MESSAGE_SIZE);
	if (m != NULL)
		snprintf(m, MESSAGE_SIZE, "message %u", id);
	return m;
}

/* A fixed pseudo-random order (xorshift), the same in every run. */
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
	static unsigned order[MESSAGES];
	printf("swiss_cheese: receiving %u messages of %u bytes\n", MESSAGES, MESSAGE_SIZE);
	fflush(stdout);
	for (unsigned i = 0; i < MESSAGES; i++) {
		messages[i] = make_message(i);
		order[i] = i;
	}
	shuffle(order, MESSAGES);
	/* The requests complete: nine messages in ten are done with. */
	for (unsigned i = 0; i < MESSAGES / 10 * 9; i++) {
		free(messages[order[i]]);
		messages[order[i]] = NULL;
	}
	printf("swiss_cheese: %u messages kept of %u; resident %ld KiB\n", MESSAGES / 10, MESSAGES,
	       resident_kib());
	/* Without heapguard the symbol is not there: the program still runs. */
	int (*report)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "heapguard_report");
	if (report != NULL)
		report();
	return 0;
}
