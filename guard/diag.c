/* SPDX-License-Identifier: MIT */
/* The error path: formats a diagnostic into a stack buffer, writes it to
 * stderr (and to log= if set) in one write, then applies the check= policy:
 * 0 continue silently, 1 print and continue, 2 abort silently, 3 print and
 * abort.  Nothing here allocates or takes an arena lock. */
#define _GNU_SOURCE
#include "diag.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../lib/fmt.h"
#include "../lib/internal.h"
#include "guard.h"

unsigned long hg_errors_reported;

static const char *const kind_names[HG_ERR_KIND_COUNT] = {
	[HG_ERR_DOUBLE_FREE] = "double-free",
	[HG_ERR_INVALID_FREE] = "invalid-free",
	[HG_ERR_HEAP_OVERFLOW] = "heap-overflow",
	[HG_ERR_WRITE_AFTER_FREE] = "write-after-free",
	[HG_ERR_HEADER_CORRUPTION] = "header-corruption",
	[HG_ERR_FREELIST_CORRUPTION] = "freelist-corruption",
	[HG_ERR_TOP_CORRUPTION] = "top-corruption",
	[HG_ERR_MMAP_CORRUPTION] = "mmap-corruption",
};

const char *hg_error_kind_name(enum hg_error_kind kind)
{
	return kind < HG_ERR_KIND_COUNT ? kind_names[kind] : "heap-error";
}

/* Errors already reported while continuing (check=0/1): each once. */
#define HG_SEEN_MAX 1024
static struct {
	uintptr_t addr;
	unsigned kind;
} seen[HG_SEEN_MAX];
static unsigned nseen;
static struct hg_lock seen_lock = HG_LOCK_INIT;

static bool already_reported(enum hg_error_kind kind, const void *addr)
{
	bool found = false;
	hg_lock_acquire(&seen_lock);
	for (unsigned i = 0; i < nseen && !found; i++)
		found = seen[i].addr == (uintptr_t)addr && seen[i].kind == kind;
	if (!found && nseen < HG_SEEN_MAX) {
		seen[nseen].addr = (uintptr_t)addr;
		seen[nseen].kind = kind;
		nseen++;
	}
	hg_lock_release(&seen_lock);
	return found;
}

void hg_diag_fork_child(void)
{
	hg_lock_reset(&seen_lock);
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

void hg_report(enum hg_error_kind kind, const void *addr, const struct hg_chunk *chunk,
	       const char *op, const char *glibc, const char *detail, ...)
{
	int policy = (int)hg_config.options.check;
	if (policy < 2 && already_reported(kind, addr))
		return;
	__atomic_fetch_add(&hg_errors_reported, 1, __ATOMIC_RELAXED);
	if (policy & 1) {
		char buf[2048];
		size_t n = hg_fmt(buf, sizeof(buf), "heapguard: %s of %p", hg_error_kind_name(kind),
				  addr);
		if (chunk != NULL) {
			size_t size = hg_chunk_size(chunk);
			n += hg_fmt(buf + n, sizeof(buf) - n, " (chunk %p..%p, %zu bytes",
				    (const void *)chunk, (const void *)((const char *)chunk + size),
				    size);
			size_t requested;
			if (hg_chunk_requested(chunk, &requested))
				n += hg_fmt(buf + n, sizeof(buf) - n, ", %zu requested", requested);
			n += hg_fmt(buf + n, sizeof(buf) - n, ")");
		}
		if (op != NULL)
			n += hg_fmt(buf + n, sizeof(buf) - n, " in %s()", op);
		n += hg_fmt(buf + n, sizeof(buf) - n, "\n");
		if (detail != NULL) {
			n += hg_fmt(buf + n, sizeof(buf) - n, "  ");
			va_list ap;
			va_start(ap, detail);
			n += hg_vfmt(buf + n, sizeof(buf) - n, detail, ap);
			va_end(ap);
			n += hg_fmt(buf + n, sizeof(buf) - n, "\n");
		}
		char name[17] = "";
		prctl(PR_GET_NAME, name, 0, 0, 0);
		n += hg_fmt(buf + n, sizeof(buf) - n, "  thread %d (%s)\n", (int)gettid(), name);
		if (glibc != NULL)
			n += hg_fmt(buf + n, sizeof(buf) - n,
				    "  glibc 2.36 reports this as: %s\n", glibc);
		if (policy & 2)
			n += hg_fmt(buf + n, sizeof(buf) - n, "heapguard: aborting (check=%d)\n",
				    policy);
		else
			n += hg_fmt(buf + n, sizeof(buf) - n,
				    "heapguard: continuing (check=%d): the chunk is isolated\n", policy);
		emit(buf, n);
	}
	if (policy & 2)
		abort();
}
