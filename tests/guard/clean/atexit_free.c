/* SPDX-License-Identifier: MIT */
/* atexit handlers and a destructor that free (and allocate) during exit. */
#include <stdlib.h>
#include <string.h>

static char *a, *b, *c;

static void h1(void)
{
	free(a);
	free(malloc(100));
}

static void h2(void)
{
	b = realloc(b, 5000);
	free(b);
}

__attribute__((destructor)) static void fini(void)
{
	free(c);
}

int main(void)
{
	a = malloc(64);
	b = malloc(64);
	c = malloc(200000);
	memset(a, 1, 64);
	memset(b, 1, 64);
	memset(c, 1, 200000);
	atexit(h1);
	atexit(h2);
	return 0;
}
