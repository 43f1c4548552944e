/* SPDX-License-Identifier: MIT */
/* A futex lock (0 free, 1 held, 2 held with waiters): no allocation, no
 * library state, trivially re-initialised in a forked child. */
#ifndef HG_LOCK_H
#define HG_LOCK_H

#include <errno.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

struct hg_lock {
	int state;
};

#define HG_LOCK_INIT { 0 }

static inline bool hg_lock_try(struct hg_lock *l)
{
	int expected = 0;
	return __atomic_compare_exchange_n(&l->state, &expected, 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/* Contended path; errno is preserved (FUTEX_WAIT fails with EAGAIN/EINTR). */
__attribute__((noinline, cold)) static void hg_lock_wait(struct hg_lock *l)
{
	int saved = errno;
	while (__atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE) != 0)
		syscall(SYS_futex, &l->state, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
	errno = saved;
}

__attribute__((noinline, cold)) static void hg_lock_wake(struct hg_lock *l)
{
	int saved = errno;
	syscall(SYS_futex, &l->state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	errno = saved;
}

static inline void hg_lock_acquire(struct hg_lock *l)
{
	if (!hg_lock_try(l))
		hg_lock_wait(l);
}

static inline void hg_lock_release(struct hg_lock *l)
{
	if (__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2)
		hg_lock_wake(l);
}

/* In a fork child: a free lock is left unwritten, so that its page stays
 * shared with the parent. */
static inline void hg_lock_reset(struct hg_lock *l)
{
	if (l->state != 0)
		l->state = 0;
}

#endif
