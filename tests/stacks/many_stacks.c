/* SPDX-License-Identifier: MIT */
/* 32,768 blocks, each lost from a call path of its own: five levels of
 * eight distinct call sites.  The stack depot must grow its table past
 * its first sizes and keep every stack apart. */
#include <stdlib.h>

static void *volatile sink;

/* -O0: the eight calls must stay eight call sites. */
__attribute__((noinline, optimize("O0"))) static void *level(int depth, unsigned code)
{
	if (depth == 0)
		return malloc(16);
	unsigned next = code / 8;
	switch (code % 8) {
	case 0: return level(depth - 1, next);
	case 1: return level(depth - 1, next);
	case 2: return level(depth - 1, next);
	case 3: return level(depth - 1, next);
	case 4: return level(depth - 1, next);
	case 5: return level(depth - 1, next);
	case 6: return level(depth - 1, next);
	default: return level(depth - 1, next);
	}
}

int main(void)
{
	for (unsigned code = 0; code < 8 * 8 * 8 * 8 * 8; code++) {
		void *p = level(5, code);
		sink = p;
	}
	sink = NULL;
	return 0;
}
