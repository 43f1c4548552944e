/* SPDX-License-Identifier: MIT */
/* Leak checkpoints; see checkpoint.h.  One at a time: a second caller
 * meanwhile gets EBUSY rather than a number the first one is using. */
#define _GNU_SOURCE
#include "checkpoint.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../base/compiler.h"
#include "../base/fmt.h"
#include "../base/lock.h"
#include "../base/options.h"
#include "../lib/usage.h"
#include "leaks.h"
#include "reportfile.h"
#include "runfile.h"

static struct hg_lock checkpointing = HG_LOCK_INIT;
HG_FORK_STATE static unsigned made;	/* checkpoints made (scanned) so far */
/* The last one's time, or the start's (the fork's in a child), in
 * microseconds since heapguard started. */
HG_FORK_STATE static uint64_t since_us;

void hg_checkpoint_start(void)
{
	if (since_us == 0)
		since_us = hg_usage_uptime_us();
}

HG_FORK_CODE void hg_checkpoint_fork_child(void)
{
	hg_lock_reset(&checkpointing);
	made = 0;
	since_us = hg_usage_fork_uptime_us();
	hg_leaks_fork_child();
}

/* "heapguard: checkpoint 2 (new since checkpoint 1): lost 24 bytes in 1
 * block, indirect 0 bytes in 0 blocks, reachable 3200 bytes in 100 blocks:
 * heapguard-report ./NAME" */
static void say(unsigned n, int err, const struct hg_leaks_result *o, const char *final)
{
	if (hg_run_active())
		return; /* the run directory holds it */
	char since[32];
	if (n > 1)
		hg_fmt(since, sizeof(since), "checkpoint %u", n - 1);
	else
		hg_fmt(since, sizeof(since), "start");
	const char *dot = hg_reportfile_dot(final);
	if (err != 0) {
		const char *why = err == EBUSY		 ? "the heap or another scan was busy"
				  : err == ECANCELED	 ? "report=off"
				  : strerrordesc_np(err) ? strerrordesc_np(err)
							 : "error";
		if (final[0] == '\0')
			hg_fmt_fd(2, "heapguard: no checkpoint %u: %s\n", n, why);
		else
			hg_fmt_fd(2, "heapguard: cannot write checkpoint %u %s%s: %s\n", n, dot,
				  final, why);
		return;
	}
	hg_fmt_fd(2,
		  "heapguard: checkpoint %u (new since %s): lost %lu bytes in %lu block%s, "
		  "indirect %lu bytes in %lu block%s, reachable %lu bytes in %lu block%s: "
		  "heapguard-report %s%s\n",
		  n, since, (unsigned long)o->lost, (unsigned long)o->lost_blocks,
		  o->lost_blocks == 1 ? "" : "s", (unsigned long)o->indirect,
		  (unsigned long)o->indirect_blocks, o->indirect_blocks == 1 ? "" : "s",
		  (unsigned long)o->reachable, (unsigned long)o->reachable_blocks,
		  o->reachable_blocks == 1 ? "" : "s", dot, final);
}

int hg_checkpoint_now(void)
{
	if (hg_config.skipped) {
		errno = ENOTSUP; /* skip=: no scan, no report */
		return -1;
	}
	if (hg_reportfile_off()) {
		/* Nothing to write it to: not made, and not scanned for. */
		say(made + 1, ECANCELED, NULL, "");
		errno = ECANCELED;
		return -1;
	}
	if (!hg_lock_try(&checkpointing)) {
		errno = EBUSY;
		return -1;
	}
	int saved = errno;
	unsigned n = made + 1;
	uint64_t t = hg_usage_uptime_us();
	char final[HG_REPORT_PATH + 64];
	struct hg_leaks_result o;
	int err = hg_leaks_checkpoint(n, t - since_us, final, sizeof(final), &o);
	/* Scanned (written or not): its blocks are seen, the next one counts
	 * from here. */
	bool scanned = err == 0 || final[0] != '\0';
	if (scanned) {
		made = n;
		since_us = t;
	}
	hg_lock_release(&checkpointing);
	say(n, err, &o, final);
	if (err != 0) {
		errno = err;
		return -1;
	}
	errno = saved;
	return (int)n;
}
