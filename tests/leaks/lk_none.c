/* SPDX-License-Identifier: MIT */
/* Allocates with every function and frees everything: no site of the
 * program may appear in the report, lost and indirect totals are 0. */
#define _DEFAULT_SOURCE
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include "lk.h"

struct node {
	struct node *next;
	char payload[24];
};

LK_SITE static void list_round_trip(int count)
{
	struct node *head = NULL;

	for (int i = 0; i < count; i++) {
		struct node *n = malloc(sizeof(*n));

		n->next = head;
		head = n;
	}
	while (head) {
		struct node *next = head->next;

		free(head);
		head = next;
	}
}

LK_SITE static void every_function(void)
{
	void *q = NULL;
	char *p = calloc(4, 100);

	p = realloc(p, 10000);
	p = realloc(p, 200000);
	free(p);
	if (posix_memalign(&q, 128, 300) == 0)
		free(q);
	free(memalign(32, 40));
	free(aligned_alloc(64, 128));
	free(valloc(10));
	free(reallocarray(NULL, 3, 5));
	free(malloc(0));
	free(NULL);
}

int main(void)
{
	list_round_trip(100);
	every_function();
	lk_scrub_stack();
	return 0;
}
