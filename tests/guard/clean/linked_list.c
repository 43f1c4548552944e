/* SPDX-License-Identifier: MIT */
/* A linked-list workload: push 50000 nodes with variable payloads, delete
 * every third one, reverse, sum, free everything. */
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	size_t len;
	char data[];
};

int main(void)
{
	struct node *head = NULL;
	for (size_t i = 0; i < 50000; i++) {
		size_t len = i % 100;
		struct node *n = malloc(sizeof *n + len);
		n->len = len;
		memset(n->data, (int)i, len);
		n->next = head;
		head = n;
	}
	size_t i = 0;
	for (struct node **pp = &head; *pp != NULL; i++) {
		if (i % 3 == 0) {
			struct node *d = *pp;
			*pp = d->next;
			free(d);
		} else {
			pp = &(*pp)->next;
		}
	}
	struct node *rev = NULL;
	while (head != NULL) {
		struct node *n = head;
		head = n->next;
		n->next = rev;
		rev = n;
	}
	size_t sum = 0;
	while (rev != NULL) {
		struct node *n = rev;
		rev = n->next;
		sum += n->len;
		free(n);
	}
	return sum == 0;
}
