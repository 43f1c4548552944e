/* SPDX-License-Identifier: MIT */
/* The heap's size over the run; see usage.h.  Totals are atomic counters
 * (several arenas change them under different locks); peaks are kept
 * racily, as a maximum only ever raised, which is exact to within the
 * updates that race with it. */
#include "usage.h"

#include <time.h>

#include "../base/compiler.h"
#include "hooks.h"

static uint64_t start_ns;
HG_FORK_STATE static uint64_t fork_ns; /* the last fork's, read in the parent */
static size_t system_total, system_peak, live_total, live_peak, live_mark;
static uint64_t system_peak_us, live_peak_us;
/* The clock is read only when a peak grows by more than this part of
 * itself (1/1024), so a growing heap does not read it at each malloc. */
static size_t system_time_mark, live_time_mark;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void hg_usage_start(void)
{
	start_ns = now_ns();
}

uint64_t hg_usage_uptime_us(void)
{
	return (now_ns() - start_ns) / 1000;
}

/* The clock is read before the fork: a child that reads it for the first
 * time pays page faults for the call (and its exit may be all it does). */
HG_FORK_CODE void hg_usage_fork_prepare(void)
{
	fork_ns = now_ns();
}

HG_FORK_CODE uint64_t hg_usage_fork_uptime_us(void)
{
	return (fork_ns - start_ns) / 1000;
}

/* Raise *peak to v; note the time when it passed *time_mark by 1/1024. */
static void raise_peak(size_t v, size_t *peak, size_t *time_mark, uint64_t *when)
{
	if (v <= __atomic_load_n(peak, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(peak, v, __ATOMIC_RELAXED);
	size_t mark = __atomic_load_n(time_mark, __ATOMIC_RELAXED);
	if (v > mark + mark / 1024) {
		__atomic_store_n(time_mark, v, __ATOMIC_RELAXED);
		__atomic_store_n(when, hg_usage_uptime_us(), __ATOMIC_RELAXED);
	}
}

void hg_usage_system(ptrdiff_t delta)
{
	size_t v = __atomic_add_fetch(&system_total, (size_t)delta, __ATOMIC_RELAXED);
	if (delta > 0)
		raise_peak(v, &system_peak, &system_time_mark, &system_peak_us);
	if (hg_lib_hooks.heap_changed != NULL)
		hg_lib_hooks.heap_changed();
}

bool hg_usage_live(ptrdiff_t delta)
{
	size_t v = __atomic_add_fetch(&live_total, (size_t)delta, __ATOMIC_RELAXED);
	if (delta <= 0)
		return false;
	raise_peak(v, &live_peak, &live_time_mark, &live_peak_us);
	/* Sites are recorded from 64 KiB on, then each time the total passes
	 * the last recording by a 32nd: a few hundred times over a run. */
	size_t mark = __atomic_load_n(&live_mark, __ATOMIC_RELAXED);
	if (v < ((size_t)64 << 10) || v <= mark + mark / 32)
		return false;
	return __atomic_compare_exchange_n(&live_mark, &mark, v, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}

size_t hg_usage_marked(void)
{
	return __atomic_load_n(&live_mark, __ATOMIC_RELAXED);
}

void hg_usage_get(struct hg_usage *u)
{
	u->system = __atomic_load_n(&system_total, __ATOMIC_RELAXED);
	u->system_peak = __atomic_load_n(&system_peak, __ATOMIC_RELAXED);
	u->system_peak_us = __atomic_load_n(&system_peak_us, __ATOMIC_RELAXED);
	u->live = __atomic_load_n(&live_total, __ATOMIC_RELAXED);
	u->live_peak = __atomic_load_n(&live_peak, __ATOMIC_RELAXED);
	u->live_peak_us = __atomic_load_n(&live_peak_us, __ATOMIC_RELAXED);
}
