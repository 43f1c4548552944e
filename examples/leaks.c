/* SPDX-License-Identifier: MIT */
/* leaks: a program that leaves memory behind in the three ways the leak report tells apart.
 * A record is lost outright, a linked list is lost from its head (the head
 * is lost, its other nodes are indirect), and a table stays reachable from a
 * global.  heapguard writes heapguard.leaks.PID.leaks.gz at exit and prints a
 * summary; `heapguard-report FILE` shows each site with its stack.
 * heapguard-demo: --no-run */
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	char payload[40];
};

char **table;				/* still reachable at exit */
/* Each block escapes through here, so that the optimiser keeps it. */
static void *volatile escape;

static char *make_record(const char *text)
{
	char *r = malloc(strlen(text) + 1);
	if (r != NULL)
		strcpy(r, text);
	return r;
}

static struct node *make_list(int n)
{
	struct node *head = NULL;
	for (int i = 0; i < n; i++) {
		struct node *e = calloc(1, sizeof(*e));
		if (e == NULL)
			break;
		e->next = head;
		head = e;
	}
	return head;
}

int main(void)
{
	escape = make_record("a record nobody frees");
	escape = NULL;				/* lost: 22 bytes */
	escape = make_list(5);
	escape = NULL;				/* lost head, 4 indirect nodes */
	table = malloc(8 * sizeof(*table));	/* reachable: 64 bytes */
	return 0;
}
