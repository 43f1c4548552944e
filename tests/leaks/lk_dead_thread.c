/* SPDX-License-Identifier: MIT */
/* Three joined threads each lose one block from leak_on_dead_stack() (40, 41,
 * 42 bytes: 123 bytes, 3 blocks) and leave its address in a dead frame of
 * their stack, which glibc keeps mapped in its stack cache after the join.
 * No stack is wiped (unlike the rest of the corpus): a dead thread's stack
 * below its last frames is no root, so all three blocks are lost. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* make sets CFLAGS after the per-program flags: keep -O0, as lk.h does. */
#pragma GCC optimize("O0")

/* The pointer stays in this frame's slot after it returns. */
__attribute__((noinline)) void leak_on_dead_stack(size_t size)
{
	char *volatile p = malloc(size);

	memset(p, 'd', size);
}

/* A few KiB below the thread's first frame, so that the dead slot lies
 * under the frames glibc runs at thread exit, and within the 16 KiB that
 * glibc's start_thread leaves resident (it madvises the rest away). */
__attribute__((noinline)) void deeper(size_t size)
{
	volatile char pad[4096];

	pad[0] = 0;
	leak_on_dead_stack(size);
}

static void *worker(void *arg)
{
	deeper(40 + (size_t)(uintptr_t)arg);
	return NULL;
}

int main(void)
{
	pthread_t t[3];

	/* All three created before the first join returns a stack to the
	 * cache: three stacks, three dead slots. */
	for (uintptr_t i = 0; i < 3; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
			return 1;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	return 0;
}
