/* SPDX-License-Identifier: MIT */
/* free() of a pointer into a mapping the program made itself with mmap.
 * EXPECT-FULL: invalid-free
 * EXPECT-FAST: invalid-free
 * glibc 2.36: "free(): invalid size". */
#include "corpus.h"
#include <sys/mman.h>

int main(void)
{
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return corpus_result(0);
	free(m + 4096); /* the misuse */
	return corpus_result(0);
}
