/* SPDX-License-Identifier: MIT */
/* A chained hash table with strdup'ed keys that grows by rehashing
 * (realloc of the bucket array), with deletions and updates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ent {
	struct ent *next;
	char *key;
	int val;
};

static struct ent **tab;
static size_t nb = 8, count;

static size_t hash(const char *s)
{
	size_t h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void grow(void)
{
	struct ent **old = tab;
	size_t onb = nb;
	nb *= 2;
	tab = calloc(nb, sizeof *tab);
	for (size_t i = 0; i < onb; i++)
		for (struct ent *e = old[i], *n; e != NULL; e = n) {
			n = e->next;
			size_t h = hash(e->key) % nb;
			e->next = tab[h];
			tab[h] = e;
		}
	free(old);
}

int main(void)
{
	char buf[32];
	tab = calloc(nb, sizeof *tab);
	for (int i = 0; i < 40000; i++) {
		snprintf(buf, sizeof buf, "key-%d", i % 30000);
		size_t h = hash(buf) % nb;
		struct ent **pp = &tab[h];
		while (*pp != NULL && strcmp((*pp)->key, buf) != 0)
			pp = &(*pp)->next;
		if (*pp != NULL && i % 2 == 0) { /* delete */
			struct ent *e = *pp;
			*pp = e->next;
			free(e->key);
			free(e);
			count--;
		} else if (*pp != NULL) {
			(*pp)->val = i;
		} else {
			struct ent *e = malloc(sizeof *e);
			e->key = strdup(buf);
			e->val = i;
			e->next = tab[h];
			tab[h] = e;
			if (++count > nb * 2)
				grow();
		}
	}
	for (size_t i = 0; i < nb; i++)
		for (struct ent *e = tab[i], *n; e != NULL; e = n) {
			n = e->next;
			free(e->key);
			free(e);
		}
	free(tab);
	return 0;
}
