/* SPDX-License-Identifier: MIT */
/* Threads exit with full tcaches and live blocks that the main thread
 * frees afterwards; detached threads too. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *out[32];

static void *work(void *arg)
{
	size_t i = (size_t)arg;
	void *t[20];
	for (int k = 0; k < 20; k++)
		t[k] = malloc(32 + (size_t)k * 8);
	for (int k = 0; k < 20; k++)
		free(t[k]);
	out[i] = malloc(100 + i);
	memset(out[i], 1, 100 + i);
	return NULL;
}

int main(void)
{
	pthread_t t[32];
	for (size_t i = 0; i < 32; i++)
		pthread_create(&t[i], NULL, work, (void *)i);
	for (int i = 0; i < 32; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 32; i++)
		free(out[i]);
	pthread_t d;
	static char *dummy;
	for (int i = 0; i < 4; i++)
		if (pthread_create(&d, NULL, work, (void *)(size_t)i) == 0)
			pthread_detach(d);
	usleep(100000);
	dummy = malloc(10);
	free(dummy);
	return 0;
}
