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

/* check= in HEAPGUARD_OPTIONS wins; otherwise MALLOC_CHECK_/glibc.malloc.check. */
static int check_policy(void)
{
	const struct hg_params *p = &hg_config.params;
	bool from_options = false;
	for (int i = 0; i < hg_option_count(); i++)
		if (__builtin_strcmp(hg_option_name(i), "check") == 0)
			from_options = hg_config.option_source[i] != HG_SOURCE_DEFAULT;
	if (from_options || !p->set[HG_PARAM_CHECK])
		return (int)hg_config.options.check;
	return (int)p->value[HG_PARAM_CHECK];
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
