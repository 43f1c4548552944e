/* SPDX-License-Identifier: MIT */
/* The culprit's identity in diagnostics (issue 16; test_culprit.sh): each
 * case damages the heap one way and frees, and heapguard's report must name
 * who allocated the damaged block and the block below it.
 *
 *   culprit overrun       a 40-byte block overrun by 24 bytes, then freed
 *   culprit next-header   the same block overrun into the next chunk's
 *                         header (at level=fast: by 24; at level=full: by
 *                         48), then the next block freed
 *   culprit after-free    bytes 8..15 (8..8+reach-1) of a freed 200-byte
 *                         block written; found at exit
 *
 * The allocations are made in functions with their own names, so the stacks
 * heapguard prints can be told apart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noipa)) static char *make_victim(size_t n)
{
	char *p = malloc(n);
	p[0] = 'v'; /* bodies differ: no two are folded into one */
	__asm__ volatile("" ::"r"(p) : "memory");
	return p;
}

__attribute__((noipa)) static char *make_writer(size_t n)
{
	char *p = malloc(n);
	p[0] = 'w'; /* bodies differ: no two are folded into one */
	__asm__ volatile("" ::"r"(p) : "memory");
	return p;
}

__attribute__((noipa)) static char *make_freed(size_t n)
{
	char *p = malloc(n);
	p[0] = 'f'; /* bodies differ: no two are folded into one */
	__asm__ volatile("" ::"r"(p) : "memory");
	return p;
}

/* Touch p[off..off+n) so the compiler cannot drop or bound-check it. */
__attribute__((noipa)) static void scribble(char *p, size_t off, size_t n, int c)
{
	memset(p + off, c, n);
	__asm__ volatile("" ::"r"(p) : "memory");
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";
	size_t reach = argc > 2 ? strtoul(argv[2], NULL, 0) : 24;
	if (strcmp(how, "overrun") == 0) {
		char *guard = make_writer(40); /* the block below the victim */
		char *a = make_victim(40);
		scribble(a, 40, reach, 'A');
		free(a);
		free(guard);
	} else if (strcmp(how, "next-header") == 0) {
		char *a = make_writer(40);
		char *b = make_victim(40);
		scribble(a, 40, reach, 'B');
		free(b);
		free(a);
	} else if (strcmp(how, "after-free") == 0) {
		char *below = make_writer(64);
		char *f = make_freed(200);
		free(f);
		scribble(f, 8, argc > 2 ? reach : 8, 'C');
		/* found at exit, while the block below is still in use */
		(void)below;
	} else {
		fprintf(stderr, "usage: culprit overrun|next-header|after-free [reach]\n");
		return 2;
	}
	puts("survived");
	return 0;
}
