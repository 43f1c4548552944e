/* SPDX-License-Identifier: MIT */
/* The sites at the peak; see peak.h.  A recording reads every stack's live
 * counter (about a nanosecond a stack) and keeps the largest; it happens
 * a few hundred times in a run whose live bytes grow a thousandfold, and a
 * thread that finds another recording under way leaves it to that one.
 *
 * Counting is batched per thread: shared counters changed at every malloc
 * and free by every thread would bounce their cache lines between cores.
 * Each thread keeps its changes to the last stacks it used and to the
 * live total, and adds them to the shared counters when one passes
 * HG_PEAK_BATCH bytes, when another stack needs its slot, before a
 * recording or a report, and at thread exit: the shared figures are exact
 * to within HG_PEAK_BATCH bytes per thread and stack. */
#include "peak.h"

#include <string.h>

#include "../base/compiler.h"
#include "../lib/hooks.h"
#include "../lib/lib.h"
#include "../lib/usage.h"
#include "stack.h"

static struct hg_lock recording = HG_LOCK_INIT;
static struct hg_peak last;

#define HG_PEAK_SLOTS 16
#define HG_PEAK_BATCH ((ptrdiff_t)64 << 10)

struct pending {
	uint32_t stack;
	int32_t blocks;
	ptrdiff_t bytes;
};

static __thread struct {
	struct pending slot[HG_PEAK_SLOTS];
	ptrdiff_t live;
} mine __attribute__((tls_model("initial-exec")));

static void flush_slot(struct pending *p)
{
	if (p->bytes != 0 || p->blocks != 0)
		hg_stack_live_add(p->stack, p->bytes, p->blocks);
	p->bytes = 0;
	p->blocks = 0;
}

/* The live total's change; true when a recording is due. */
static bool flush_live(void)
{
	ptrdiff_t live = mine.live;
	mine.live = 0;
	if (live == 0)
		return false;
	bool due = hg_usage_live(live);
	/* A batch of live bytes changed hands: a slow path for the timeline. */
	if (hg_lib_hooks.heap_changed != NULL)
		hg_lib_hooks.heap_changed();
	return due;
}

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
	for (unsigned i = 0; i < HG_PEAK_SLOTS; i++)
		flush_slot(&mine.slot[i]);
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
		/* The shared counters miss what threads still batch (and, in a
		 * fork child, for good what the parent's other threads had
		 * batched), and bytes and blocks are added one after the
		 * other: a site whose two disagree (a batch that freed a small
		 * block and kept a large one holds 0 blocks and some bytes) is
		 * such a transient, not a site to name. */
		if ((int64_t)l.blocks > 0 && (int64_t)l.bytes >= (int64_t)l.blocks)
			keep_largest(&now, id, &l);
	}
	last = now;
	hg_lock_release(&recording);
}

void hg_peak_flush(void)
{
	for (unsigned i = 0; i < HG_PEAK_SLOTS; i++)
		flush_slot(&mine.slot[i]);
	if (flush_live())
		record();
}

void hg_peak_block(uint32_t stack, ptrdiff_t chunk_bytes)
{
	if (stack == HG_STACK_INTERNAL)
		return;
	struct pending *p = &mine.slot[stack % HG_PEAK_SLOTS];
	if (p->stack != stack) {
		flush_slot(p);
		p->stack = stack;
	}
	p->bytes += chunk_bytes;
	p->blocks += chunk_bytes < 0 ? -1 : 1;
	if (p->bytes >= HG_PEAK_BATCH || p->bytes <= -HG_PEAK_BATCH)
		flush_slot(p);
	mine.live += chunk_bytes;
	if ((mine.live >= HG_PEAK_BATCH || mine.live <= -HG_PEAK_BATCH) && flush_live())
		record();
}

void hg_peak_get(struct hg_peak *out)
{
	hg_lock_acquire(&recording);
	*out = last;
	hg_lock_release(&recording);
}

HG_FORK_CODE void hg_peak_fork_child(void)
{
	hg_lock_reset(&recording);
}
