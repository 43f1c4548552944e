/* SPDX-License-Identifier: MIT */
/* Allocations from one call site (leaf), reached alternately through two
 * callers with the same frame shape, so that every malloc starts with the
 * same return address, stack pointer and frame pointer: only a word of
 * the stack further up tells the two stacks apart.  Another site allocates
 * in between.  Every 24-byte block is lost but the last (in sink). */
#include <stdlib.h>

void *volatile sink;
volatile unsigned calls;

__attribute__((noinline)) static void *leaf(size_t n)
{
	void *p = malloc(n);
	calls++; /* no tail call: leaf keeps its frame */
	return p;
}

__attribute__((noinline)) void *through_alpha(size_t n)
{
	void *p = leaf(n);
	calls++;
	return p;
}

__attribute__((noinline)) void *through_beta(size_t n)
{
	void *p = leaf(n);
	calls++;
	return p;
}

int main(void)
{
	for (unsigned i = 0; i < 1000; i++) {
		sink = (i & 1) ? through_alpha(24) : through_beta(24);
		free(malloc(8)); /* another site in between */
	}
	return 0;
}
