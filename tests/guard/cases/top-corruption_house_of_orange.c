/* SPDX-License-Identifier: MIT */
/* house_of_orange (first stage): shrink the top chunk's size to a small
 * page-aligned value through an overflow; a request larger than that makes
 * sysmalloc free the old top into a bin, and the next small malloc is
 * served from the freed old top.
 * EXPECT-FULL: top-corruption,heap-overflow,header-corruption
 * EXPECT-FAST: top-corruption,header-corruption
 * glibc 2.36: attack succeeds (the old top is freed). */
#include "corpus.h"

int main(void)
{
	char *p = malloc(0x3f8); /* 0x400 chunk, top right after */
	size_t *topsz = (size_t *)(p + 0x3f8);
	size_t small = (*topsz & 0xfff) | 1; /* keeps the top's end page-aligned */
	char *top = p + 0x3f0;
	*topsz = small; /* the overflow: top size */
	char *big = malloc(0x1000); /* does not fit: sysmalloc */
	char *q = malloc(0x80);
	/* Served from the freed old top, q lies below big (an intact top
	 * hands out big first, then q after it). */
	return corpus_result(q != NULL && big != NULL && q > p && q < big &&
			     q < top + (small & ~(size_t)7));
}
