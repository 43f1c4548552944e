/* SPDX-License-Identifier: MIT */
/* mallinfo2 and malloc_info called on a busy heap with
 * free chunks in every bin and live threads' arenas. */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *work(void *arg)
{
	(void)arg;
	void *p[100];
	for (int i = 0; i < 100; i++)
		p[i] = malloc((size_t)i * 30 + 1);
	for (int i = 0; i < 100; i += 2)
		free(p[i]);
	struct mallinfo2 mi = mallinfo2();
	for (int i = 1; i < 100; i += 2)
		free(p[i]);
	return (void *)(mi.arena == 0);
}

int main(void)
{
	pthread_t t;
	void *r;
	void *p[300];
	for (int i = 0; i < 300; i++)
		p[i] = malloc((size_t)(i % 30) * 60 + 1);
	for (int i = 0; i < 300; i += 3)
		free(p[i]);
	pthread_create(&t, NULL, work, NULL);
	pthread_join(t, &r);
	FILE *devnull = fopen("/dev/null", "w");
	malloc_info(0, devnull);
	fclose(devnull);
	struct mallinfo2 mi = mallinfo2();
	for (int i = 0; i < 300; i++)
		if (i % 3 != 0)
			free(p[i]);
	return r != NULL || mi.uordblks == 0;
}
