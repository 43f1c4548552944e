/* SPDX-License-Identifier: MIT */
/* One walk of an arena's free lists for every reader (see freelist.h).  A
 * fastbin is a singly linked list a forged link can turn into a loop, so
 * its walk is bounded; a bin whose every link points back cannot loop. */
#include "freelist.h"

#include "internal.h"

#define HG_LIST_STEPS_MAX 10000000 /* a longer fastbin is a loop */

static bool walk_fastbin(struct hg_arena *av, unsigned i, const struct hg_freelist_walk *w)
{
	struct hg_chunk *c = av->fastbins[i];
	for (unsigned long n = 0; c != NULL && n < HG_LIST_STEPS_MAX; n++) {
		if (!hg_free_chunk_ok(c) || hg_fastbin_index(hg_chunk_size(c)) != i) {
			if (w->op != NULL)
				hg_diag_fastbin_entry(hg_chunk2mem(c), w->op, hg_fastbin_size(i), c,
						      false);
			return false;
		}
		struct hg_chunk *next = hg_link_reveal(&c->fd);
		if (hg_misaligned(next)) {
			if (w->op != NULL)
				hg_diag_fastbin_next(hg_chunk2mem(c), c, w->op, next, false);
			return false;
		}
		if (w->chunk != NULL)
			w->chunk(HG_FREELIST_FASTBIN, i, c, hg_chunk_size(c), w->ctx);
		c = next;
	}
	return true;
}

static enum hg_freelist_kind bin_kind(unsigned i)
{
	return i == HG_UNSORTED ? HG_FREELIST_UNSORTED
	       : i < HG_NSMALLBINS ? HG_FREELIST_SMALL
				   : HG_FREELIST_LARGE;
}

static bool walk_bin(struct hg_arena *av, unsigned i, const struct hg_freelist_walk *w)
{
	struct hg_chunk *bin = hg_bin_at(av, i);
	struct hg_chunk *prev = bin;
	for (struct hg_chunk *c = bin->fd; c != bin; prev = c, c = c->fd) {
		if (!hg_free_chunk_ok(c) || c->bk != prev) {
			if (w->op != NULL)
				hg_diag_bin_walk(hg_chunk2mem(c), w->op, i, c);
			return false;
		}
		if (w->chunk != NULL)
			w->chunk(bin_kind(i), i, c, hg_chunk_size(c), w->ctx);
	}
	return true;
}

unsigned hg_freelist_walk(struct hg_arena *av, const struct hg_freelist_walk *w)
{
	unsigned broken = 0;
	for (unsigned i = 0; i < HG_NFASTBINS; i++)
		broken += !walk_fastbin(av, i, w);
	for (unsigned i = 1; i < HG_NBINS; i++)
		broken += !walk_bin(av, i, w);
	return broken;
}
