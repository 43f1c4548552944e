/* SPDX-License-Identifier: MIT */
/* Shared helpers of the leak corpus: every program is compiled without
 * optimisation (so that each malloc stays where the source puts it) and wipes
 * the dead part of its stack so that no stale copy of a leaked pointer keeps
 * a block reachable for a conservative scanner. */
#ifndef LK_H
#define LK_H

#include <stddef.h>

/* make sets CFLAGS after the per-program flags (-O2 by default): keep -O0. */
#pragma GCC optimize("O0")

/* An allocation site: never inlined, so it is a frame of its own. */
#define LK_SITE __attribute__((noinline))

/* Zero 64 KiB below the caller's frame: the frames of the functions it
 * called before (which held the pointers now leaked) are overwritten. */
static __attribute__((noinline, unused)) void lk_scrub_stack(void)
{
	volatile char buf[65536];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = 0;
}

#endif
