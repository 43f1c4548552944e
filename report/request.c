/* SPDX-License-Identifier: MIT */
/* Reports asked for by a signal; see request.h.  One handler for every
 * option that names a signal: two options may name the same one, and then
 * it asks for both. */
#define _GNU_SOURCE
#include "request.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "../base/fmt.h"
#include "../base/options.h"
#include "../lib/lib.h"
#include "checkpoint.h"
#include "frag.h"
#include "reportfile.h"

enum hg_request {
	HG_REQUEST_FRAG,       /* report_signal= */
	HG_REQUEST_CHECKPOINT, /* checkpoint_signal= */
	HG_REQUESTS,
};

static int signals[HG_REQUESTS];  /* each request's signal, 0: none */
static volatile unsigned pending; /* bit r: request r was asked for */

static void on_signal(int sig)
{
	for (int r = 0; r < HG_REQUESTS; r++)
		if (signals[r] == sig)
			__atomic_or_fetch(&pending, 1u << r, __ATOMIC_RELAXED);
	hg_poll_request(true); /* the next malloc or free takes its slow path */
}

static void make(enum hg_request r)
{
	if (r == HG_REQUEST_FRAG) {
		char final[HG_REPORT_PATH + 64];
		hg_frag_say(hg_frag_write(HG_FRAG_ON_SIGNAL, 0, final, sizeof(final)), final);
	} else {
		hg_checkpoint_now();
	}
}

void hg_request_poll(void)
{
	if (HG_LIKELY(pending == 0) || hg_self.unwinding)
		return;
	/* The slow paths off first: a signal that comes after the exchange
	 * turns them on again, and its request waits for the next call. */
	hg_poll_request(false);
	unsigned asked = __atomic_exchange_n(&pending, 0, __ATOMIC_RELAXED);
	/* Polled from inside malloc and free, which leave errno as it was
	 * (glibc's free keeps it, malloc changes it only when it fails): the
	 * reports' files must not show through. */
	int saved = errno;
	for (int r = 0; r < HG_REQUESTS; r++)
		if (asked & (1u << r))
			make((enum hg_request)r);
	errno = saved;
}

static void install(enum hg_request r, const char *option, const char *name, const char *what)
{
	const char *why;
	if (name[0] == '\0')
		return;
	/* The option's parser (base/options.c) has accepted only names this
	 * returns a signal for. */
	int sig = hg_signal_parse(name, strlen(name), &why);
	if (sig == 0) {
		hg_fmt_fd(2, "heapguard: %s=%s: %s; no %s on a signal\n", option, name, why, what);
		return;
	}
	signals[r] = sig;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

void hg_request_signal_init(void)
{
	install(HG_REQUEST_FRAG, "report_signal", hg_config.options.report_signal, "report");
	install(HG_REQUEST_CHECKPOINT, "checkpoint_signal", hg_config.options.checkpoint_signal,
		"checkpoint");
}
