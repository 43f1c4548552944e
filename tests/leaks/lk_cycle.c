/* SPDX-License-Identifier: MIT */
/* Two blocks of 64 bytes pointing at each other, both dropped: as in
 * Valgrind, one is lost and the other indirect (both from new_cycle_node, so
 * the expectation does not depend on which one is which). */
#include <stdlib.h>
#include <string.h>
#include "lk.h"

struct pair_node {
	struct pair_node *other;
	char payload[56];
};

LK_SITE struct pair_node *new_cycle_node(void)
{
	struct pair_node *n = malloc(sizeof(*n));

	memset(n, 0, sizeof(*n));
	return n;
}

LK_SITE static void make_cycle(void)
{
	struct pair_node *volatile a = new_cycle_node();
	struct pair_node *volatile b = new_cycle_node();

	a->other = b;
	b->other = a;
	a = b = NULL;
}

int main(void)
{
	make_cycle();
	lk_scrub_stack();
	return 0;
}
