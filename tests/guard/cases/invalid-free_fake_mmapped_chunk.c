/* SPDX-License-Identifier: MIT */
/* Free of a fake mmapped chunk: forge a header with IS_MMAPPED at the
 * start of a page the program mapped itself; glibc's munmap_chunk only
 * checks page alignment and unmaps the program's page.
 * EXPECT-FULL: invalid-free,mmap-corruption,header-corruption
 * EXPECT-FAST: invalid-free,mmap-corruption,header-corruption
 * glibc 2.36: attack succeeds (the foreign page is unmapped). */
#include "corpus.h"
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return corpus_result(0);
	size_t *h = (size_t *)m;
	h[0] = 0;		 /* prev_size: offset of the mapping */
	h[1] = (size_t)pg | 2;	 /* one page, IS_MMAPPED */
	free(m + 16);		 /* the misuse */
	unsigned char v;
	int gone = mincore(m, pg, &v) != 0 && errno == ENOMEM;
	return corpus_result(gone);
}
