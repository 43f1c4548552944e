/* SPDX-License-Identifier: MIT */
/* 16 threads (more arenas than cores) allocating, writing and freeing
 * concurrently, then 64 short-lived threads. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *work(void *arg)
{
	unsigned r = (unsigned)(size_t)arg;
	char *keep[64] = {0};
	for (int i = 0; i < 20000; i++) {
		r = r * 1103515245 + 12345;
		int k = (int)((r >> 8) % 64);
		free(keep[k]);
		size_t n = (r >> 16) % 2000 + 1;
		keep[k] = malloc(n);
		memset(keep[k], k, n);
	}
	for (int k = 0; k < 64; k++)
		free(keep[k]);
	return NULL;
}

int main(void)
{
	pthread_t t[64];
	for (size_t i = 0; i < 16; i++)
		pthread_create(&t[i], NULL, work, (void *)i);
	for (int i = 0; i < 16; i++)
		pthread_join(t[i], NULL);
	for (size_t i = 0; i < 64; i++) {
		pthread_create(&t[i], NULL, work, (void *)(i + 100));
		pthread_join(t[i], NULL);
	}
	return 0;
}
