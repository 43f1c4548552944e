/* SPDX-License-Identifier: MIT */
/* Two linked lists: one of 5 nodes (32 bytes each) whose head is dropped
 * (1 lost, 4 indirect), one of 4 nodes (40 bytes each) whose head stays in a
 * global (all 4 reachable). */
#include <stdlib.h>
#include "lk.h"

struct node {
	struct node *next;
	long payload[3];
};

struct node *kept_list;

LK_SITE struct node *new_lost_node(struct node *next)
{
	struct node *n = malloc(sizeof(*n));

	n->next = next;
	n->payload[0] = n->payload[1] = n->payload[2] = 1;
	return n;
}

LK_SITE struct node *new_kept_node(struct node *next)
{
	struct node *n = malloc(sizeof(*n) + 8);

	n->next = next;
	n->payload[0] = n->payload[1] = n->payload[2] = 2;
	return n;
}

LK_SITE static void build_lost_list(int count)
{
	struct node *volatile head = NULL;

	for (int i = 0; i < count; i++)
		head = new_lost_node(head);
	head = NULL;
}

LK_SITE static void build_kept_list(int count)
{
	for (int i = 0; i < count; i++)
		kept_list = new_kept_node(kept_list);
}

int main(void)
{
	build_lost_list(5);
	build_kept_list(4);
	lk_scrub_stack();
	return 0;
}
