/* SPDX-License-Identifier: MIT */
/* A request no heap can hold (512 GiB) fails with ENOMEM, and failing it
 * over and over does not make the allocator create arenas: as in glibc, a
 * new arena is only tried when its first heap could hold the request. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/hgtest.h"

int main(void)
{
	for (int i = 0; i < 50; i++) {
		errno = 0;
		void *p = malloc((size_t)1 << 39);
		if (p != NULL) /* overcommit let it through: nothing to test */
			hgtest_skip("a 512 GiB malloc succeeded here");
		CHECK(errno == ENOMEM, "malloc(512 GiB): errno %d", errno);
	}
	free(malloc(100));
	int heaps = hgtest_count_arenas();
	CHECK(heaps == 1, "%d arenas after 50 failed huge mallocs, want 1", heaps);
	printf("PASS: huge requests fail with ENOMEM and create no arena\n");
	return 0;
}
