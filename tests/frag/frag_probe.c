/* SPDX-License-Identifier: MIT */
/* frag_probe MODE: builds a heap of a known shape, takes mallinfo2() and
 * calls heapguard_report() at the same moment, and prints what it knows
 * for check_frag.py to compare with the report:
 *   swiss N    N messages of 1000 bytes from make_message(), nine in ten
 *              freed in a fixed random order; then malloc_trim(0), with
 *              the resident set before and after
 *   compact N  N blocks of mixed sizes, none freed
 *   threads T  T threads, each in an arena of its own, each keeping 1000
 *              blocks of its own size and freeing 1000
 *   mmapped    two blocks above the mmap threshold
 *   signal     raise(SIGUSR2) (run with report_signal=SIGUSR2), then malloc
 *   timeline S S seconds of blocks above the mmap threshold taken and
 *              given back (a slow path each), then the report
 *   faults     a heap of 20 blocks, the report written twice: the page
 *              faults of the second
 * Lines: "known KEY VALUE". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int (*report)(void);
void *volatile probe_keep[2]; /* global: some blocks stay reachable */

static long resident_bytes(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL || fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	if (f != NULL)
		fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

/* mallinfo2 and the report with nothing allocated or freed in between. */
static void snapshot(void)
{
	struct mallinfo2 m = mallinfo2();
	if (report() != 0)
		exit(3);
	printf("known arena %zu\nknown hblkhd %zu\nknown hblks %zu\nknown fordblks %zu\n"
	       "known uordblks %zu\n",
	       m.arena, m.hblkhd, m.hblks, m.fordblks, m.uordblks);
}

static __attribute__((noinline)) char *make_message(unsigned id)
{
	char *m = malloc(1000);
	if (m != NULL)
		memset(m, (int)id, 1000);
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

static void swiss(unsigned n)
{
	char **msgs = calloc(n, sizeof(*msgs));
	unsigned *order = calloc(n, sizeof(*order));
	for (unsigned i = 0; i < n; i++) {
		msgs[i] = make_message(i);
		order[i] = i;
	}
	shuffle(order, n);
	unsigned freed = n / 10 * 9;
	for (unsigned i = 0; i < freed; i++)
		free(msgs[order[i]]);
	/* the first line (and stdout's buffer) before the snapshot */
	printf("known kept %u\nknown kept_bytes %zu\n", n - freed,
	       (size_t)(n - freed) * malloc_usable_size(msgs[order[n - 1]]));
	fflush(stdout);
	snapshot();
	long before = resident_bytes();
	malloc_trim(0);
	long after = resident_bytes();
	printf("known trim_released %ld\n", before - after);
}

static void compact(unsigned n)
{
	void *volatile *keep = probe_keep;
	printf("known blocks %u\n", n);
	fflush(stdout);
	for (unsigned i = 0; i < n; i++)
		keep[i & 1] = malloc(16 + (i * 37) % 2000);
	snapshot();
}

#define PER_THREAD 1000
static pthread_barrier_t all_done;

static void *thread_main(void *arg)
{
	size_t size = 100 + 50 * (size_t)(uintptr_t)arg;
	void **blocks = malloc(2 * PER_THREAD * sizeof(*blocks));
	for (unsigned i = 0; i < 2 * PER_THREAD; i++)
		blocks[i] = malloc(size);
	for (unsigned i = 0; i < 2 * PER_THREAD; i += 2)
		free(blocks[i]);
	/* Stay alive (and in the arena) until the report was written. */
	pthread_barrier_wait(&all_done);
	pthread_barrier_wait(&all_done);
	return blocks;
}

static void threads(unsigned t)
{
	pthread_t tid[64];
	if (t > 64)
		t = 64;
	pthread_barrier_init(&all_done, NULL, t + 1);
	/* Chunks in other threads' quarantine batches: 16 each at most. */
	printf("known threads %u\nknown per_thread %u\nknown batch_slack %zu\n", t, PER_THREAD,
	       (size_t)t * 16 * (100 + 50 * t + 64));
	fflush(stdout);
	for (unsigned i = 0; i < t; i++)
		pthread_create(&tid[i], NULL, thread_main, (void *)(uintptr_t)i);
	pthread_barrier_wait(&all_done);
	snapshot();
	pthread_barrier_wait(&all_done);
	for (unsigned i = 0; i < t; i++)
		pthread_join(tid[i], NULL);
}

static void mmapped(void)
{
	void *volatile *keep = probe_keep;
	printf("known mmapped 2\n");
	fflush(stdout);
	keep[0] = malloc(1 << 20);
	keep[1] = malloc(3 << 20);
	snapshot();
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void timeline(unsigned seconds)
{
	double start = now_s(), end = start + seconds;
	unsigned rounds = 0, busy_ms = 0;
	long last_ms = -1;
	mallopt(M_MMAP_THRESHOLD, 64 << 10); /* fixed: each block is mmap'd */
	for (double now = start; now < end; now = now_s()) {
		probe_keep[0] = malloc(256 << 10);
		free(probe_keep[0]);
		rounds++;
		/* The milliseconds in which a slow path ran: a sample was due in
		 * each (when the machine let this process run at all). */
		long ms = (long)((now - start) * 1000);
		busy_ms += ms != last_ms;
		last_ms = ms;
	}
	printf("known rounds %u\nknown busy_ms %u\n", rounds, busy_ms);
	fflush(stdout);
	snapshot();
}

static long minor_faults(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : -1;
}

/* What a report costs a small heap once heapguard's own code and data are
 * in: the pages of its scratch it touches, and those of its file's. */
static void faults(void)
{
	static void *volatile blocks[20];
	for (int i = 0; i < 20; i++)
		blocks[i] = malloc(100 + (size_t)i * 50);
	for (int i = 0; i < 20; i += 3)
		free(blocks[i]);
	report();
	long before = minor_faults();
	report();
	printf("known second_report_faults %ld\n", minor_faults() - before);
}

int main(int argc, char **argv)
{
	report = (int (*)(void))dlsym(RTLD_DEFAULT, "heapguard_report");
	if (report == NULL) {
		fprintf(stderr, "frag_probe: not under heapguard\n");
		return 77;
	}
	const char *mode = argc > 1 ? argv[1] : "";
	unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 0;
	if (strcmp(mode, "swiss") == 0)
		swiss(n);
	else if (strcmp(mode, "compact") == 0)
		compact(n);
	else if (strcmp(mode, "threads") == 0)
		threads(n);
	else if (strcmp(mode, "mmapped") == 0)
		mmapped();
	else if (strcmp(mode, "timeline") == 0)
		timeline(n);
	else if (strcmp(mode, "faults") == 0)
		faults();
	else if (strcmp(mode, "signal") == 0) {
		raise(SIGUSR2);
		probe_keep[0] = malloc(10); /* where the report is written */
		free(probe_keep[0]);
	} else {
		fprintf(stderr, "usage: frag_probe swiss|compact|threads|mmapped|timeline|signal|faults [N]\n");
		return 2;
	}
	return 0;
}
