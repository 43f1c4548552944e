/* SPDX-License-Identifier: MIT */
/* A process whose roots are mostly pages never written: an anonymous
 * mapping of 32 MiB (less than the 64 MiB above which the scan asked
 * mincore) with two pages written, one of which holds the only pointer to
 * a block, and a block lost besides.  The leak scan reads the pages the
 * page map says are there, not the 8,190 others (each read of one was a
 * page fault): the block kept there is reachable, the lost one lost, and
 * the scan's root bytes are far below 32 MiB.
 *   sparse_roots */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

int main(void)
{
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
