/* SPDX-License-Identifier: MIT */
/* The sites at the peak; see peak.h.  A recording reads every stack's live
 * counter (about a nanosecond a stack) and keeps the largest; it happens
 * a few hundred times in a run whose live bytes grow a thousandfold, and a
 * thread that finds another recording under way leaves it to that one. */
#include "peak.h"

#include <string.h>

#include "../lib/internal.h"
#include "../lib/usage.h"
#include "stack.h"

static struct hg_lock recording = HG_LOCK_INIT;
static struct hg_peak last;

/* Insert (id, l) into the top list, kept sorted by bytes. */
static void keep_largest(struct hg_peak *p, uint32_t id, const struct hg_stack_live *l)
{
	unsigned i = p->nsites;
	if (i == HG_PEAK_SITES) {
		if (l->bytes <= p->sites[i - 1].bytes)
			return;
		i--;
	} else {
		p->nsites++;
	}
	while (i > 0 && p->sites[i - 1].bytes < l->bytes) {
		p->sites[i] = p->sites[i - 1];
		i--;
	}
	p->sites[i] = (struct hg_peak_site){ id, l->blocks, l->bytes };
}

static void record(void)
{
	if (!hg_lock_try(&recording))
		return;
	static struct hg_peak now;
	memset(&now, 0, sizeof(now));
	now.live = hg_usage_marked();
	now.uptime_us = hg_usage_uptime_us();
	uint32_t n = hg_stack_count();
	for (uint32_t id = 0; id <= n; id++) {
		struct hg_stack_live l;
		hg_stack_live_get(id, &l);
		/* Counters race with the blocks they count: skip the transient. */
		if (l.bytes != 0 && (int64_t)l.bytes > 0)
			keep_largest(&now, id, &l);
	}
	last = now;
	hg_lock_release(&recording);
}

void hg_peak_block(uint32_t stack, ptrdiff_t chunk_bytes)
{
	if (stack == HG_STACK_INTERNAL)
		return;
	hg_stack_live_add(stack, chunk_bytes);
	if (hg_usage_live(chunk_bytes))
		record();
}

void hg_peak_get(struct hg_peak *out)
{
	hg_lock_acquire(&recording);
	*out = last;
	hg_lock_release(&recording);
}

void hg_peak_fork_child(void)
{
	hg_lock_reset(&recording);
}
