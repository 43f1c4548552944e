/* SPDX-License-Identifier: MIT */
/* Blocks reachable only from a __thread pointer: the main thread's (48 bytes)
 * and that of a thread still blocked when main() calls exit() (56 bytes). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "lk.h"

static __thread void *tls_ptr;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int ready;

LK_SITE void keep_in_tls_main(void)
{
	tls_ptr = malloc(48);
	memset(tls_ptr, 'm', 48);
}

LK_SITE void keep_in_tls_thread(void)
{
	tls_ptr = malloc(56);
	memset(tls_ptr, 't', 56);
}

static void *tls_thread(void *arg)
{
	(void)arg;
	keep_in_tls_thread();
	lk_scrub_stack();
	pthread_mutex_lock(&lock);
	ready = 1;
	pthread_cond_signal(&cond);
	for (;;)
		pthread_cond_wait(&never, &lock);
	return NULL;
}

int main(void)
{
	pthread_t t;

	keep_in_tls_main();
	if (pthread_create(&t, NULL, tls_thread, NULL) != 0)
		return 1;
	pthread_mutex_lock(&lock);
	while (!ready)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	lk_scrub_stack();
	exit(0);
}
