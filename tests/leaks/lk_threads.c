/* SPDX-License-Identifier: MIT */
/* Three joined threads each lose two blocks from leak_in_thread(): thread i
 * (0..2) allocates 32 + i bytes twice, so one site of 6 blocks, 198 bytes,
 * sizes 32..34, allocated by 3 threads (none of them the main thread). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lk.h"

LK_SITE void leak_in_thread(size_t size)
{
	char *volatile p = malloc(size);

	memset(p, 'w', size);
	p = NULL;
}

static void *worker(void *arg)
{
	size_t size = 32 + (size_t)(uintptr_t)arg;

	leak_in_thread(size);
	leak_in_thread(size);
	lk_scrub_stack();
	return NULL;
}

int main(void)
{
	pthread_t t[3];

	/* One after the other, so that each thread number is deterministic. */
	for (uintptr_t i = 0; i < 3; i++) {
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
			return 1;
		pthread_join(t[i], NULL);
	}
	lk_scrub_stack();
	return 0;
}
