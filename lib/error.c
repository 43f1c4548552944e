/* SPDX-License-Identifier: MIT */
/* The core's own corruption reports: one line naming the error kind, the
 * address and the thread, glibc's message for the same check (people search
 * for it), then the check= policy.  guard/diag.c builds on this. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "fmt.h"
#include "internal.h"

/* The effective check= policy: hg_config_load has already let check= in
 * HEAPGUARD_OPTIONS win over MALLOC_CHECK_ and glibc.malloc.check. */
static int check_policy(void)
{
	return (int)hg_config.options.check;
}

static void emit(const char *buf, size_t len)
{
	hg_os_write(2, buf, len);
	if (hg_config.options.log[0] != '\0') {
		int fd = open(hg_config.options.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			hg_os_write(fd, buf, len);
			close(fd);
		}
	}
}

void hg_corruption(const char *kind, const void *ptr, const char *glibc_message)
{
	int policy = check_policy();
	if (policy & 1) {
		char buf[512];
		size_t n = hg_fmt(buf, sizeof(buf),
				  "heapguard: %s of %p in thread %d\n"
				  "  glibc 2.36 reports this as: %s\n",
				  kind, ptr, (int)gettid(), glibc_message);
		if (policy & 2)
			n += hg_fmt(buf + n, sizeof(buf) - n, "heapguard: aborting (check=%d)\n",
				    policy);
		emit(buf, n);
	}
	if (policy & 2)
		abort();
}
