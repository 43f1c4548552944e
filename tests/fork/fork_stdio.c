/* SPDX-License-Identifier: MIT */
/* fork against the stdio list lock (glibc's bug 19431, the pattern of its
 * tst-malloc-fork-deadlock): readers hold a stream's lock while getline
 * reallocs its buffer, a thread in fflush(NULL) holds the list lock while
 * it waits for a stream's lock, and threads fork.  An allocator whose fork
 * handler locks the heap before glibc's fork takes the list lock closes
 * the cycle fork -> list -> stream -> heap -> fork.
 * Prints "N forks in T s"; fails when forks stop finishing. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forktest.h"

#define FORKERS	 3
#define READERS	 4
#define LINE_LEN 4000

static bool stop;
static unsigned long forks;
static char path[] = "/tmp/hg-fork-stdio.XXXXXX";

static void *forker(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("FAIL: fork");
			_exit(1);
		}
		if (pid == 0)
			_exit(FORKTEST_CHILD_STATUS);
		forktest_reap(pid);
		__atomic_add_fetch(&forks, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* One long line, so getline reallocs (takes the heap) while it holds the
 * stream's lock. */
static void *reader(void *arg)
{
	(void)arg;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		perror("FAIL: fopen");
		_exit(1);
	}
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		rewind(f);
		char *line = NULL;
		size_t size = 0;
		if (getline(&line, &size, f) != LINE_LEN + 1) {
			fprintf(stderr, "FAIL: getline\n");
			_exit(1);
		}
		free(line);
	}
	fclose(f);
	return NULL;
}

static void *flusher(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (fflush(NULL) != 0) {
			perror("FAIL: fflush(NULL)");
			_exit(1);
		}
		/* glibc's lock is not fair: without a pause the forkers would
		 * rarely get the list lock at all. */
		usleep(20);
	}
	return NULL;
}

static void make_file(void)
{
	int fd = mkstemp(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (f == NULL) {
		perror("FAIL: temporary file");
		_exit(1);
	}
	for (int i = 0; i < LINE_LEN; i++)
		fputc('x', f);
	fputc('\n', f);
	if (fclose(f) != 0) {
		perror("FAIL: write temporary file");
		_exit(1);
	}
}

int main(int argc, char **argv)
{
	double seconds = forktest_seconds(argc, argv);
	make_file();
	forktest_start_watchdog(&forks, 5.0);
	pthread_t t[FORKERS + READERS + 1];
	unsigned n = 0;
	for (unsigned i = 0; i < FORKERS; i++)
		pthread_create(&t[n++], NULL, forker, NULL);
	for (unsigned i = 0; i < READERS; i++)
		pthread_create(&t[n++], NULL, reader, NULL);
	pthread_create(&t[n++], NULL, flusher, NULL);
	double start = forktest_now();
	while (forktest_now() - start < seconds)
		usleep(10000);
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	unlink(path);
	printf("%lu forks in %.1f s\n", forks, forktest_now() - start);
	return forks > 0 ? 0 : 1;
}
