/* SPDX-License-Identifier: MIT */
/* The error path: formats a diagnostic into a stack buffer, writes it to
 * stderr (and to log= if set) in one write, then applies the check= policy:
 * 0 continue silently, 1 print and continue, 2 abort silently, 3 print and
 * abort.  Nothing here allocates or takes an arena lock. */
#define _GNU_SOURCE
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "fmt.h"
#include "lock.h"
#include "options.h"
#include "os.h"

/* The deepest stack a diagnostic shows: the largest depth= allows. */
#define HG_DIAG_DEPTH_MAX 64

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

/* The whole diagnostic is built here and written once; errors are rare, and
 * three stacks do not fit comfortably on a small thread stack. */
static char report_buf[16384];
static struct hg_lock report_lock = HG_LOCK_INIT;

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
	hg_lock_reset(&report_lock);
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

static size_t format_stack(char *buf, size_t len, const uintptr_t *pcs, unsigned n)
{
	size_t used = 0;
	for (unsigned i = 0; i < n && used + 1 < len && hg_diag_hooks.format_frame != NULL; i++)
		used += hg_diag_hooks.format_frame(buf + used, len - used, i, pcs[i]);
	return used;
}

/* "allocated by thread 1:" and its frames, if the chunk's trailer has them. */
static size_t format_origin(char *buf, size_t len, const char *what, uint32_t stack,
			    unsigned thread)
{
	const uintptr_t *pcs;
	unsigned n = stack != 0 && hg_diag_hooks.stack_frames != NULL
			     ? hg_diag_hooks.stack_frames(stack, &pcs)
			     : 0;
	if (n == 0)
		return 0;
	size_t used = hg_fmt(buf, len, "  %s by thread %u:\n", what, (unsigned)thread);
	return used + format_stack(buf + used, len - used, pcs, n);
}

void hg_report(enum hg_error_kind kind, const void *addr, const struct hg_chunk *chunk,
	       const char *op, const char *glibc, const char *detail, ...)
{
	int policy = (int)hg_config.options.check;
	if (policy < 2 && already_reported(kind, addr))
		return;
	__atomic_fetch_add(&hg_errors_reported, 1, __ATOMIC_RELAXED);
	if (policy & 1) {
		hg_lock_acquire(&report_lock);
		char *buf = report_buf;
		const size_t room = sizeof(report_buf);
		size_t n = hg_fmt(buf, room, "heapguard: %s of %p", hg_error_kind_name(kind),
				  addr);
		struct hg_diag_chunk about = { 0 };
		bool described = chunk != NULL && hg_diag_hooks.describe_chunk != NULL;
		if (described) {
			hg_diag_hooks.describe_chunk(chunk, &about);
			n += hg_fmt(buf + n, room - n, " (chunk %p..%p, %zu bytes",
				    (const void *)chunk,
				    (const void *)((const char *)chunk + about.size), about.size);
			if (about.has_requested)
				n += hg_fmt(buf + n, room - n, ", %zu requested", about.requested);
			n += hg_fmt(buf + n, room - n, ")");
		}
		if (op != NULL)
			n += hg_fmt(buf + n, room - n, " in %s()", op);
		n += hg_fmt(buf + n, room - n, "\n");
		if (detail != NULL) {
			n += hg_fmt(buf + n, room - n, "  ");
			va_list ap;
			va_start(ap, detail);
			n += hg_vfmt(buf + n, room - n, detail, ap);
			va_end(ap);
			n += hg_fmt(buf + n, room - n, "\n");
		}
		char name[17] = "";
		prctl(PR_GET_NAME, name, 0, 0, 0);
		unsigned thread = hg_diag_hooks.thread_number != NULL ? hg_diag_hooks.thread_number() : 0;
		n += hg_fmt(buf + n, room - n, "  thread %u (%s, tid %d):\n", thread, name,
			    (int)gettid());
		uintptr_t pcs[HG_DIAG_DEPTH_MAX];
		unsigned max = (unsigned)hg_config.options.depth;
		unsigned depth = hg_diag_hooks.unwind != NULL
					 ? hg_diag_hooks.unwind(pcs, max < HG_DIAG_DEPTH_MAX ? max : HG_DIAG_DEPTH_MAX)
					 : 0;
		n += format_stack(buf + n, room - n, pcs, depth);
		if (described) {
			n += format_origin(buf + n, room - n, "freed", about.free_stack,
					   about.free_thread);
			n += format_origin(buf + n, room - n, "allocated", about.alloc_stack,
					   about.alloc_thread);
		}
		if (glibc != NULL)
			n += hg_fmt(buf + n, room - n,
				    "  glibc 2.36 reports this as: %s\n", glibc);
		if (policy & 2)
			n += hg_fmt(buf + n, room - n, "heapguard: aborting (check=%d)\n",
				    policy);
		else
			n += hg_fmt(buf + n, room - n,
				    "heapguard: continuing (check=%d): the chunk is isolated\n", policy);
		emit(buf, n);
		hg_lock_release(&report_lock);
	}
	if (policy & 2) {
		/* The process ends here: the reports it would have written at
		 * exit are written now, or never. */
		if (hg_diag_hooks.before_abort != NULL)
			hg_diag_hooks.before_abort();
		abort();
	}
}
