/* SPDX-License-Identifier: MIT */
/* malloc_usable_size() is at least the requested size for every allocator
 * entry point, and the whole usable area can be written without disturbing
 * neighbouring blocks (each block is filled completely, then all are
 * verified while still live). malloc_usable_size(NULL) is 0. */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdlib.h>

#include "../lib/hgtest.h"

enum { NLIVE = 3000 };

struct blk {
	unsigned char *p;
	size_t usable;
};

static struct blk live[NLIVE];

static void *alloc_kind(int kind, size_t n, size_t *align)
{
	void *p = NULL;
	*align = 16;
	switch (kind) {
	case 0:
		return malloc(n);
	case 1:
		return calloc(1, n);
	case 2:
		return realloc(NULL, n);
	case 3:
		*align = 64;
		return memalign(64, n);
	case 4:
		*align = 4096;
		if (posix_memalign(&p, 4096, n) != 0)
			return NULL;
		return p;
	default:
		*align = 256;
		return aligned_alloc(256, n);
	}
}

static size_t pick_size(uint64_t *rng, int i)
{
	switch (i % 5) {
	case 0:
		return hgtest_rand(rng) % 64;
	case 1:
		return hgtest_rand(rng) % 1100;
	case 2:
		return hgtest_rand(rng) % 20000;
	case 3:
		return 120 * 1024 + hgtest_rand(rng) % (20 * 1024);
	default:
		return hgtest_rand(rng) % 300000;
	}
}

int main(void)
{
	uint64_t rng = 42;
	hgtest_timeout(60);

	CHECK(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL)");

	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < NLIVE; i++) {
			size_t n = pick_size(&rng, i), align;
			int kind = (int)(hgtest_rand(&rng) % 6);
			void *p = alloc_kind(kind, n, &align);
			CHECK(p != NULL, "kind %d size %zu: NULL", kind, n);
			CHECK_ALIGNED(p, align, "kind %d size %zu", kind, n);
			size_t u = malloc_usable_size(p);
			CHECK(u >= n, "kind %d: usable %zu < requested %zu",
			      kind, u, n);
			live[i].p = p;
			live[i].usable = u;
			hgtest_fill(p, u, (unsigned)i);
		}
		for (int i = 0; i < NLIVE; i++) {
			size_t bad = hgtest_verify(live[i].p, live[i].usable,
						   (unsigned)i);
			CHECK(bad == live[i].usable,
			      "block %d (usable %zu) clobbered at byte %zu", i,
			      live[i].usable, bad);
			CHECK(malloc_usable_size(live[i].p) == live[i].usable,
			      "usable size of block %d changed", i);
		}
		/* free every other block, reallocate, verify survivors */
		for (int i = 0; i < NLIVE; i += 2)
			free(live[i].p);
		for (int i = 0; i < NLIVE; i += 2) {
			size_t n = pick_size(&rng, i);
			live[i].p = malloc(n);
			CHECK(live[i].p != NULL, "malloc(%zu)", n);
			live[i].usable = malloc_usable_size(live[i].p);
			CHECK(live[i].usable >= n, "usable %zu < %zu",
			      live[i].usable, n);
			hgtest_fill(live[i].p, live[i].usable, (unsigned)i);
		}
		for (int i = 0; i < NLIVE; i++) {
			size_t bad = hgtest_verify(live[i].p, live[i].usable,
						   (unsigned)i);
			CHECK(bad == live[i].usable,
			      "round %d block %d clobbered at %zu", round, i,
			      bad);
			free(live[i].p);
		}
	}
	/* exact small sizes, one by one */
	for (size_t n = 0; n <= 2048; n++) {
		unsigned char *p = malloc(n);
		CHECK(p != NULL, "malloc(%zu)", n);
		size_t u = malloc_usable_size(p);
		CHECK(u >= n, "malloc(%zu) usable %zu", n, u);
		CHECK(u < n + 4096, "malloc(%zu) usable %zu absurdly big", n,
		      u);
		memset(p, 0xee, u);
		free(p);
	}
	printf("PASS: usable size\n");
	return 0;
}
