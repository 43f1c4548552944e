/* SPDX-License-Identifier: MIT */
/* The free lists of an arena, walked link by link for everyone who counts
 * or checks them: mallinfo, malloc_info and malloc_stats, malloc_trim,
 * heapguard_check_heap and the fragmentation report.  Each link is verified
 * before it is followed (a free chunk of ours; in a fastbin, of that bin's
 * size; in a bin, linked back to its predecessor); the first that is not
 * ends its list, with a report or silently, and the walk goes on with the
 * next list. */
#ifndef HG_FREELIST_H
#define HG_FREELIST_H

#include <stddef.h>

struct hg_arena;
struct hg_chunk;

enum hg_freelist_kind {
	HG_FREELIST_FASTBIN,			/* index 0..HG_NFASTBINS-1 */
	HG_FREELIST_UNSORTED,			/* bin 1 */
	HG_FREELIST_SMALL,			/* bins 2..HG_NSMALLBINS-1 */
	HG_FREELIST_LARGE,			/* bins HG_NSMALLBINS..HG_NBINS-1 */
};

struct hg_freelist_walk {
	/* Names the caller in a report ("mallinfo", "malloc_trim", ...); NULL
	 * ends a bad list silently (a report writer, which must not print). */
	const char *op;
	/* Each verified chunk, with its list, the list's index and its size;
	 * NULL: the walk only checks. */
	void (*chunk)(enum hg_freelist_kind kind, unsigned index, struct hg_chunk *c, size_t size,
		      void *ctx);
	void *ctx;
};

/* Every list of av: the fastbins, then bins 1..HG_NBINS-1 in order.  The
 * caller holds av's lock.  Returns how many lists were found broken. */
unsigned hg_freelist_walk(struct hg_arena *av, const struct hg_freelist_walk *w);

#endif
