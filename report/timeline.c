/* SPDX-License-Identifier: MIT */
/* The heap over time; see timeline.h.  The samples live in static memory
 * under one lock that is only ever tried: a thread that finds it taken
 * leaves the sample to the other.  The next sample's time is read without
 * the lock, so a poll that is not due costs a clock read and a compare. */
#include "timeline.h"

#include "../base/compiler.h"
#include "../base/lock.h"
#include "../base/options.h"
#include "../base/os.h"
#include "../guard/quarantine.h"
#include "../lib/lib.h"
#include "../lib/usage.h"

static struct hg_lock lock = HG_LOCK_INIT;
static struct hg_timeline_sample samples[HG_FRAG_TIMELINE_MAX];
static size_t nsamples;
static uint64_t step_us = HG_FRAG_TIMELINE_STEP_US;
/* The first poll samples; every fork child writes it (on the page of
 * such variables, which the parent writes at each fork anyway). */
HG_FORK_STATE static uint64_t next_us;

static void take(struct hg_timeline_sample *s, uint64_t now)
{
	struct hg_usage u;
	hg_usage_get(&u);
	*s = (struct hg_timeline_sample){ .t_us = now, .system = u.system };
	s->resident = hg_os_rss();
	if (hg_config.options.level == 0)
		return;
	/* The live total is batched per thread and the quarantine read
	 * without its lock: keep the three parts within the whole. */
	s->has_in_use = true;
	s->in_use = u.live < u.system ? u.live : u.system;
	size_t q = hg_quarantine_bytes();
	s->quarantine = q < u.system - s->in_use ? q : u.system - s->in_use;
}

/* Every other sample goes (the first stays), and the step doubles. */
static void thin(struct hg_timeline_sample *v, size_t *n)
{
	size_t kept = 0;
	for (size_t i = 0; i < *n; i += 2)
		v[kept++] = v[i];
	*n = kept;
}

void hg_timeline_poll(void)
{
	if (!__atomic_load_n(&hg_ready, __ATOMIC_ACQUIRE))
		return;
	uint64_t now = hg_usage_uptime_us();
	if (now < __atomic_load_n(&next_us, __ATOMIC_RELAXED) || !hg_lock_try(&lock))
		return;
	if (now >= next_us) {
		if (nsamples == HG_FRAG_TIMELINE_MAX) {
			thin(samples, &nsamples);
			step_us *= 2;
		}
		take(&samples[nsamples++], now);
		__atomic_store_n(&next_us, now + step_us, __ATOMIC_RELAXED);
	}
	hg_lock_release(&lock);
}

size_t hg_timeline_get(struct hg_timeline_sample *out)
{
	bool held = true;
	for (unsigned spins = 0; !hg_lock_try(&lock); spins++)
		if (spins > 1000000) {
			held = false; /* a thread stopped while sampling: read as it is */
			break;
		}
	size_t n = nsamples;
	for (size_t i = 0; i < n; i++)
		out[i] = samples[i];
	if (held)
		hg_lock_release(&lock);
	if (n == HG_FRAG_TIMELINE_MAX)
		thin(out, &n); /* room for now's */
	uint64_t now = hg_usage_uptime_us();
	if (n > 0 && now < out[n - 1].t_us)
		now = out[n - 1].t_us;
	take(&out[n++], now);
	return n;
}

HG_FORK_CODE void hg_timeline_fork_child(bool locked)
{
	if (locked)
		hg_lock_reset(&lock);
	uint64_t due = hg_usage_fork_uptime_us() + step_us;
	if (next_us < due)
		next_us = due;
}
