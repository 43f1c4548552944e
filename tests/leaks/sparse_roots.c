/* SPDX-License-Identifier: MIT */
/* A process whose roots are mostly pages never written: an anonymous
 * mapping of 32 MiB (less than the 64 MiB above which the scan asked
 * mincore) with two pages written, one of which holds the only pointer to
 * a block, and a block lost besides.  The leak scan reads the pages the
 * page map says are there, not the 8,190 others (each read of one was a
 * page fault): the block kept there is reachable, the lost one lost, and
 * the scan's root bytes are far below 32 MiB.
 * With "block": the same of a reachable block of 8 MiB written on one
 * page.  Two children, one that keeps it and one that frees it before it
 * exits: the page faults of the first (wait4's ru_minflt) exceed the
 * second's by far less than the block's 2,048 pages (its pages never
 * written, read by the scan, cost one each); exit status 1 if not.
 * With "small": the same of a mapping of 60 KiB (below the 64 KiB above
 * which the scan asked the page map; libc's bss is one such) written on
 * one page, kept or unmapped before exit, in two processes it execs:
 * fewer than 6 faults apart (14 when the scan read its 14 pages never
 * written).
 *   sparse_roots [block|small] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lk.h"

#define SPAN ((size_t)32 << 20)

static LK_SITE void *kept_block(void)
{
	return malloc(100);
}

static LK_SITE void lose_block(void)
{
	void *p = malloc(200);
	memset(p, 1, 200);
}

#define BLOCK ((size_t)8 << 20)

static void *big; /* the 8 MiB block, reachable from here */

/* Waits for child pid, which must exit with 0: its page faults. */
static long reaped_faults(pid_t pid)
{
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		exit(99);
	return ru.ru_minflt;
}

/* A child: the big block, one page of it written with the only pointer
 * to a small block; freed before exit if `drop`.  Its page faults. */
static long child_faults(int drop)
{
	pid_t pid = fork();
	if (pid < 0)
		exit(99);
	if (pid == 0) {
		big = malloc(BLOCK);
		void *small = kept_block();
		memcpy((char *)big + BLOCK / 2, &small, sizeof(small));
		small = NULL;
		if (drop) {
			free(*(void **)((char *)big + BLOCK / 2));
			free(big);
			big = NULL;
		}
		lk_scrub_stack();
		exit(0);
	}
	return reaped_faults(pid);
}

#define SMALL ((size_t)60 << 10)

static void *volatile held; /* a block both processes keep: each scans at exit */

/* The 60 KiB mapping, between two pages no access may touch (so that it
 * merges with no other mapping), one page of it written with the only
 * pointer to a small block; unmapped before exit if `drop`.  Run in a
 * process of its own, exec'd: a fork child reads only the pages it wrote
 * since the fork, whatever the size. */
static int small_mapping(int drop)
{
	held = kept_block();
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *all = mmap(NULL, SMALL + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (all == MAP_FAILED || mprotect(all + page, SMALL, PROT_READ | PROT_WRITE) != 0)
		return 98;
	void *small = kept_block();
	memcpy(all + page + SMALL / 2, &small, sizeof(small));
	small = NULL;
	if (drop) {
		free(*(void **)(all + page + SMALL / 2));
		munmap(all, SMALL + 2 * page);
	}
	all = NULL;
	lk_scrub_stack();
	return 0;
}

/* The page faults of `self MODE`, exec'd. */
static long exec_faults(const char *self, const char *mode)
{
	pid_t pid = fork();
	if (pid < 0)
		exit(99);
	if (pid == 0) {
		execl(self, self, mode, (char *)NULL);
		_exit(97);
	}
	return reaped_faults(pid);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "small-keep") == 0)
		return small_mapping(0);
	if (argc > 1 && strcmp(argv[1], "small-drop") == 0)
		return small_mapping(1);
	if (argc > 1 && strcmp(argv[1], "small") == 0) {
		long kept = exec_faults(argv[0], "small-keep"),
		     freed = exec_faults(argv[0], "small-drop");
		printf("sparse_roots small: %ld page faults keeping the mapping, %ld unmapping "
		       "it\n",
		       kept, freed);
		return kept - freed < 6 ? 0 : 1;
	}
	if (argc > 1 && strcmp(argv[1], "block") == 0) {
		long kept = child_faults(0), freed = child_faults(1);
		printf("sparse_roots block: %ld page faults keeping the block, %ld freeing it\n",
		       kept, freed);
		return kept - freed < 512 ? 0 : 1;
	}
	char *span = mmap(NULL, SPAN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (span == MAP_FAILED) {
		perror("mmap");
		return 99;
	}
	void *kept = kept_block();
	memcpy(span + SPAN / 2 + 8, &kept, sizeof(kept)); /* the only pointer to it */
	span[SPAN - 1] = 1;
	kept = NULL;
	lose_block();
	lk_scrub_stack();
	printf("sparse_roots: %p\n", (void *)span);
	return 0;
}
