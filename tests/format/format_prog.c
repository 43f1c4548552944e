/* SPDX-License-Identifier: MIT */
/* format_prog MODE: a heap with something of every kind for the report
 * files that tests/format checks against heapguard-report(5):
 *   leaks    lost, indirect and reachable blocks, blocks mmap'd on their
 *            own (one lost, one reachable), four threads each in an arena
 *            of its own leaking and keeping blocks, a Swiss-cheese run of
 *            blocks that pin free pages; then exit(0)
 *   fork     leaks, then a forked child that leaks some more and exits
 *   abort    leaks, then a double free (check=3 aborts)
 *   signal   leaks, then raise(SIGUSR2) (run with report_signal=SIGUSR2)
 *            and a malloc, and heapguard_report() through dlsym
 *   small    one lost block of 77 bytes and nothing else: the live bytes
 *            never reach the 64 KiB from which the peak's sites are taken;
 *            and a mallopt(M_TRIM_THRESHOLD)
 *   quick    leaks, then glibc's own quick_exit(0), not heapguard's: the
 *            exit status is not known to heapguard
 *   arenas   150 threads (run with MALLOC_ARENA_MAX=200), each in an arena of
 *            its own, whose top is held up by 8 blocks of 8 stacks of their
 *            own: 1,200 stacks that pin tops; they wait while main exits
 * Prints "usable77 N": malloc_usable_size() of a 77-byte block. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4

void *volatile keep[64];   /* roots: reachable blocks */
void *volatile thread_keep[THREADS];

struct node {
	struct node *next;
	char payload[40];
};

/* A list whose head is dropped: the head is lost, the rest indirect. */
static __attribute__((noinline)) void leak_list(int n)
{
	struct node *head = NULL;
	for (int i = 0; i < n; i++) {
		struct node *e = malloc(sizeof(*e));
		if (e == NULL)
			exit(2);
		memset(e->payload, i, sizeof(e->payload));
		e->next = head;
		head = e;
	}
	head = NULL;
}

static __attribute__((noinline)) void leak_plain(size_t size)
{
	char *volatile p = malloc(size);
	if (p != NULL)
		p[0] = 1;
	p = NULL;
}

static __attribute__((noinline)) char *make_message(unsigned i)
{
	char *m = malloc(1000);
	if (m != NULL)
		memset(m, (int)i, 1000);
	return m;
}

/* 4096 messages, fifteen in sixteen freed: each kept one pins the pages
 * freed below it. */
static void swiss_cheese(void)
{
	static char *all[4096];
	for (unsigned i = 0; i < 4096; i++)
		all[i] = make_message(i);
	for (unsigned i = 0; i < 4096; i++)
		if (i % 16 != 15)
			free(all[i]);
	keep[0] = all[15];
}

static void *thread_main(void *arg)
{
	long t = (long)arg;
	void **blocks = malloc(200 * sizeof(void *));
	if (blocks == NULL)
		exit(2);
	for (int i = 0; i < 200; i++)
		blocks[i] = malloc(64 + 16 * (size_t)t + (size_t)i);
	for (int i = 0; i < 200; i += 2)
		free(blocks[i]);
	thread_keep[t] = blocks; /* the odd ones stay reachable */
	leak_plain(100 + (size_t)t);
	leak_list(3);
	return NULL;
}

#define MANY_THREADS 150

/* A stack of its own for block i of thread t: a path of path_a() and
 * path_b() calls spells t in binary, then one of eight call sites
 * allocates.  The empty asm after each call keeps it from being a jump. */
static __attribute__((noinline)) void *site(unsigned i)
{
	void *p;
	switch (i) {
	case 0: p = malloc(48); break;
	case 1: p = malloc(56); break;
	case 2: p = malloc(64); break;
	case 3: p = malloc(72); break;
	case 4: p = malloc(80); break;
	case 5: p = malloc(88); break;
	case 6: p = malloc(96); break;
	default: p = malloc(104); break;
	}
	__asm__ volatile("" ::: "memory");
	return p;
}

static void *spell(unsigned t, unsigned bits, unsigned i);

static __attribute__((noinline)) void *path_a(unsigned t, unsigned bits, unsigned i)
{
	void *p = spell(t, bits, i);
	__asm__ volatile("" ::: "memory");
	return p;
}

static __attribute__((noinline)) void *path_b(unsigned t, unsigned bits, unsigned i)
{
	void *p = spell(t, bits, i);
	__asm__ volatile("" ::: "memory");
	return p;
}

static void *spell(unsigned t, unsigned bits, unsigned i)
{
	if (bits == 0)
		return site(i);
	return (t & 1 ? path_a : path_b)(t >> 1, bits - 1, i);
}

static pthread_mutex_t parked = PTHREAD_MUTEX_INITIALIZER; /* held by main */
static pthread_barrier_t ready;
void *volatile many_keep[MANY_THREADS][8];

static void *many_main(void *arg)
{
	unsigned t = (unsigned)(long)arg;
	for (unsigned i = 0; i < 8; i++)
		many_keep[t][i] = spell(t, 8, i);
	pthread_barrier_wait(&ready);
	pthread_mutex_lock(&parked); /* never returns: main exits holding it */
	return NULL;
}

static void many_arenas(void)
{
	pthread_t th;
	pthread_mutex_lock(&parked);
	pthread_barrier_init(&ready, NULL, MANY_THREADS + 1);
	for (long t = 0; t < MANY_THREADS; t++)
		if (pthread_create(&th, NULL, many_main, (void *)t) != 0)
			exit(2);
	pthread_barrier_wait(&ready);
	exit(0);
}

static void build_heap(void)
{
	leak_list(5);
	leak_plain(77);
	leak_plain(1 << 20); /* mmap'd on its own, lost */
	keep[1] = malloc(1 << 20);
	keep[2] = malloc(300);
	keep[3] = calloc(10, 24);
	swiss_cheese();
	pthread_t th[THREADS];
	for (long t = 0; t < THREADS; t++)
		if (pthread_create(&th[t], NULL, thread_main, (void *)t) != 0)
			exit(2);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "leaks";
	void *probe = malloc(77);
	printf("usable77 %zu\n", malloc_usable_size(probe));
	free(probe);
	if (strcmp(mode, "small") == 0) {
		mallopt(M_TRIM_THRESHOLD, 256 << 10);
		leak_plain(77);
		exit(0);
	}
	if (strcmp(mode, "arenas") == 0)
		many_arenas();
	build_heap();
	if (strcmp(mode, "fork") == 0) {
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			leak_plain(4242);
			leak_list(2);
			exit(0);
		}
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return 3;
	} else if (strcmp(mode, "abort") == 0) {
		char *volatile p = malloc(48);
		free(p);
		free(p);
		return 4; /* check=3 does not get here */
	} else if (strcmp(mode, "signal") == 0) {
		int (*report)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "heapguard_report");
		raise(SIGUSR2);
		keep[4] = malloc(32); /* the report is written here */
		if (report == NULL || report() != 0)
			return 5;
	} else if (strcmp(mode, "quick") == 0) {
		void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
		void (*libc_quick_exit)(int) =
			libc ? (void (*)(int))dlsym(libc, "quick_exit") : NULL;
		if (libc_quick_exit == NULL)
			return 6;
		libc_quick_exit(0);
	} else if (strcmp(mode, "leaks") != 0) {
		fprintf(stderr, "format_prog: unknown mode %s\n", mode);
		return 2;
	}
	exit(0);
}
