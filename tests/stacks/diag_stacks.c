/* SPDX-License-Identifier: MIT */
/* A double free whose three stacks are known: allocated in make_block(),
 * freed in drop_block(), freed again from main().  Nothing is exported:
 * the names come from the program's .symtab. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) char *make_block(size_t n)
{
	char *p = malloc(n);
	memset(p, 'x', n);
	return p;
}

__attribute__((noinline)) void drop_block(char *p)
{
	free(p);
}

int main(int argc, char **argv)
{
	(void)argv;
	char *p = make_block(40);
	drop_block(p);
	if (argc > 1)
		p[3] = 'y';		/* write after free, seen at exit */
	else
		free(p);
	return 0;
}
