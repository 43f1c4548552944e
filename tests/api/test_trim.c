/* SPDX-License-Identifier: MIT */
/* malloc_trim returns free pages inside the heap, not only the top: after
 * ~64 MiB of 4..64 KiB blocks are freed around scattered pinned blocks
 * (so the top cannot shrink), malloc_trim(0) returns 1 and RSS is below
 * what it was before the frees by at least half of the freed bytes (at
 * level=full the quarantine gives big blocks' pages back at the free
 * already: heapguard(7), Big freed blocks). */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

#define TOTAL (64u << 20)
#define MAXBLK 20000

static void *blk[MAXBLK];
static size_t len[MAXBLK];

int main(void)
{
	hgtest_timeout(60);
	/* keep every block on the heap whatever the dynamic threshold does */
	CHECK(mallopt(M_MMAP_THRESHOLD, 1 << 20) == 1, "M_MMAP_THRESHOLD");
	/* and keep free() from trimming on its own */
	CHECK(mallopt(M_TRIM_THRESHOLD, 512 << 20) == 1, "M_TRIM_THRESHOLD");

	uint64_t rng = 2024;
	size_t total = 0, n = 0;
	while (total < TOTAL && n < MAXBLK) {
		size_t s = 4096 + hgtest_rand(&rng) % (60 * 1024);
		blk[n] = malloc(s);
		CHECK(blk[n] != NULL, "malloc(%zu)", s);
		memset(blk[n], 0x77, s);
		len[n] = s;
		total += s;
		n++;
	}
	size_t freed = 0;
	size_t before = hgtest_rss_bytes();
	for (size_t i = 0; i < n; i++) {
		/* pin one block in 64 and the very last one */
		if (i % 64 == 0 || i == n - 1)
			continue;
		free(blk[i]);
		freed += len[i];
		blk[i] = NULL;
	}
	int rc = malloc_trim(0);
	size_t after = hgtest_rss_bytes();
	printf("allocated %zu in %zu blocks, freed %zu; RSS %zu -> %zu KiB\n",
	       total, n, freed, before >> 10, after >> 10);
	CHECK(rc == 1, "malloc_trim(0) returned %d, expected 1", rc);
	CHECK(before > after && before - after >= freed / 2,
	      "RSS dropped by %zd KiB only, freed %zu KiB",
	      (ssize_t)(before - after) / 1024, freed >> 10);

	/* pinned blocks are intact and the heap still works */
	for (size_t i = 0; i < n; i++) {
		if (blk[i] == NULL)
			continue;
		unsigned char *b = blk[i];
		CHECK(b[0] == 0x77 && b[len[i] - 1] == 0x77,
		      "pinned block %zu damaged by trim", i);
		free(b);
	}
	for (size_t i = 0; i < 1000; i++) {
		void *p = malloc(i * 37);
		CHECK(p != NULL, "malloc after trim");
		memset(p, 1, i * 37);
		free(p);
	}
	/* nothing left to trim is still a valid call */
	rc = malloc_trim(0);
	CHECK(rc == 0 || rc == 1, "malloc_trim(0) = %d", rc);
	printf("PASS: malloc_trim\n");
	return 0;
}
