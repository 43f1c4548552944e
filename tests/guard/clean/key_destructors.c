/* SPDX-License-Identifier: MIT */
/* pthread key destructors that free per-thread blocks as threads exit
 * (after the thread's own allocator state may be torn down). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_key_t key;

static void destroy(void *p)
{
	free(p);
}

static void *work(void *arg)
{
	size_t n = (size_t)arg;
	char *p = malloc(n);
	memset(p, 1, n);
	pthread_setspecific(key, p);
	for (int i = 0; i < 100; i++)
		free(malloc(n));
	return NULL;
}

int main(void)
{
	pthread_t t[8];
	pthread_key_create(&key, destroy);
	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < 8; i++)
			pthread_create(&t[i], NULL, work, (void *)(i * 1000 + 24));
		for (int i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
	}
	return 0;
}
