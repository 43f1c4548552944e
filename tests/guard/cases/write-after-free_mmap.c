/* SPDX-License-Identifier: MIT */
/* Write after free into a 1 MiB (mmapped) block, within the first
 * fill_max (4 KiB) bytes that level=full fills and checks.  glibc unmaps it at once,
 * so the program checks first that the memory is still readable (write(2)
 * to a pipe fails with EFAULT otherwise) and writes only then: an
 * allocator that unmaps or protects freed mmapped blocks defeats it.
 * EXPECT-FULL: write-after-free
 * EXPECT-FAST: none
 * glibc 2.36: not stopped (the memory is gone, nothing is written). */
#include "corpus.h"

int main(void)
{
	char *p = malloc(1 << 20);
	memset(p, 0, 1 << 20);
	free(p);
	int fd[2];
	if (pipe(fd) == 0 && write(fd[1], p + 2048, 1) == 1)
		p[2048] = 'W'; /* the write after free */
	else
		fputs("freed block not accessible\n", stderr);
	return corpus_result(0);
}
