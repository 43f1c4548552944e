/* SPDX-License-Identifier: MIT */
/* free() of a wild pointer into unmapped memory: the allocator must not
 * crash reading a header that is not there.
 * EXPECT-FULL: invalid-free
 * EXPECT-FAST: invalid-free
 * glibc 2.36: SIGSEGV (reads the header). */
#include "corpus.h"
#include <sys/mman.h>

int main(void)
{
	/* An address that is certainly unmapped: map two pages, unmap them. */
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return corpus_result(0);
	munmap(m, 8192);
	free(m + 4096 + 16); /* the misuse */
	return corpus_result(0);
}
