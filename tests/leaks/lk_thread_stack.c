/* SPDX-License-Identifier: MIT */
/* A block held only in a local of a thread that is blocked in
 * pthread_cond_wait() when main() calls exit(): the thread's stack is a root,
 * so the block is reachable (72 bytes); a lost one beside it (24 bytes). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "lk.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int ready;

LK_SITE void keep_on_thread_stack(void)
{
	void *volatile held = malloc(72);

	memset(held, 'h', 72);
	pthread_mutex_lock(&lock);
	ready = 1;
	pthread_cond_signal(&cond);
	for (;;)
		pthread_cond_wait(&never, &lock);
}

LK_SITE void leak_in_holder_thread(void)
{
	char *volatile p = malloc(24);

	memset(p, 'l', 24);
	p = NULL;
}

static void *holder_thread(void *arg)
{
	(void)arg;
	leak_in_holder_thread();
	lk_scrub_stack();
	keep_on_thread_stack();
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, holder_thread, NULL) != 0)
		return 1;
	pthread_mutex_lock(&lock);
	while (!ready)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	lk_scrub_stack();
	exit(0);
}
