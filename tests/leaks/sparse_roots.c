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
 *   sparse_roots [block] */
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
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		exit(99);
	return ru.ru_minflt;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "block") == 0) {
		long kept = child_faults(0), freed = child_faults(1);
		printf("sparse_roots block: %ld page faults keeping the block, %ld freeing it\n", kept,
		       freed);
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
