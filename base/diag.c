/* SPDX-License-Identifier: MIT */
/* The error path: one reporter per error (diag.h), each writing its own
 * sentences and glibc's message for the same check, all through one writer
 * that formats the diagnostic into a static buffer, writes it to stderr (and
 * to log= if set) in one write, then applies the check= policy: 0 continue
 * silently, 1 print and continue, 2 abort silently, 3 print and abort.
 * Under every policy the error is counted and the first 64 are kept (kind,
 * address, stacks, first line) for the leak report and the process record.
 * Nothing here allocates or takes an arena lock. */
#define _GNU_SOURCE
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "compiler.h"
#include "fmt.h"
#include "lock.h"
#include "options.h"
#include "os.h"
#include "path.h"

/* The deepest stack a diagnostic shows: the largest depth= allows. */
#define HG_DIAG_DEPTH_MAX 64

unsigned long hg_errors_reported;

/* Stable error kinds; their names are listed in heapguard(7). */
enum hg_error_kind {
	HG_ERR_DOUBLE_FREE,
	HG_ERR_INVALID_FREE,
	HG_ERR_HEAP_OVERFLOW,
	HG_ERR_WRITE_AFTER_FREE,
	HG_ERR_HEADER_CORRUPTION,
	HG_ERR_FREELIST_CORRUPTION,
	HG_ERR_TOP_CORRUPTION,
	HG_ERR_MMAP_CORRUPTION,
	HG_ERR_USE_AFTER_FREE,
	HG_ERR_KIND_COUNT
};

static const char *const kind_names[HG_ERR_KIND_COUNT] = {
	[HG_ERR_DOUBLE_FREE] = "double-free",
	[HG_ERR_INVALID_FREE] = "invalid-free",
	[HG_ERR_HEAP_OVERFLOW] = "heap-overflow",
	[HG_ERR_WRITE_AFTER_FREE] = "write-after-free",
	[HG_ERR_HEADER_CORRUPTION] = "header-corruption",
	[HG_ERR_FREELIST_CORRUPTION] = "freelist-corruption",
	[HG_ERR_TOP_CORRUPTION] = "top-corruption",
	[HG_ERR_MMAP_CORRUPTION] = "mmap-corruption",
	[HG_ERR_USE_AFTER_FREE] = "use-after-free",
};


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
/* Kept for what follows the stacks (the glibc line and the last line):
 * three deep stacks of long C++ names can fill the rest. */
#define HG_DIAG_TAIL 512
static struct hg_lock report_lock = HG_LOCK_INIT;

/* Set once, by hg_diag_dying and just before heapguard's own abort. */
static const char *dying_of;
static bool aborting;

void hg_diag_dying(const char *signame)
{
	__atomic_store_n(&dying_of, signame, __ATOMIC_RELEASE);
}

bool hg_diag_aborting(void)
{
	return __atomic_load_n(&aborting, __ATOMIC_ACQUIRE);
}

/* The writer's locks.  While the process is dying, its handler may have
 * interrupted a thread that holds one (this one, in a system call), so it
 * tries for a while and then gives the diagnostic up. */
static bool lock_writer(struct hg_lock *l)
{
	if (__atomic_load_n(&dying_of, __ATOMIC_ACQUIRE) == NULL) {
		hg_lock_acquire(l);
		return true;
	}
	for (unsigned i = 0; i < 100; i++) {
		if (hg_lock_try(l))
			return true;
		struct timespec pause = { 0, 1000000 };
		nanosleep(&pause, NULL);
	}
	return false;
}

/* True when (kind, addr) was reported already, or cannot be told (dying,
 * the lock held): then it is not reported. */
static bool already_reported(enum hg_error_kind kind, const void *addr)
{
	bool found = false;
	if (!lock_writer(&seen_lock))
		return true;
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

HG_FORK_CODE void hg_diag_fork_child(void)
{
	hg_lock_reset(&seen_lock);
	hg_lock_reset(&report_lock);
}

/* log=, expanded once per process (%p and %t are this process's). */
static int log_open(void)
{
	static char path[4096];
	static pid_t expanded_for;
	const char *pattern = hg_config.options.log;
	if (pattern[0] == '\0')
		return -1;
	pid_t pid = getpid();
	if (expanded_for != pid) {
		static char exe[4096];
		hg_path_exe(exe, sizeof(exe));
		hg_path_expand(path, sizeof(path), pattern, exe, time(NULL));
		expanded_for = pid;
	}
	int saved = errno;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	errno = saved;
	return fd;
}

void hg_diag_say(const char *buf, size_t len, bool to_stderr)
{
	/* open and close of log= are cancellation points; the calls that
	 * report (free, malloc...) are not. */
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	if (to_stderr)
		hg_os_write(2, buf, len);
	int fd = log_open();
	if (fd >= 0) {
		hg_os_write(fd, buf, len);
		close(fd);
	}
	pthread_setcancelstate(cancel, NULL);
}

static void emit(const char *buf, size_t len)
{
	hg_diag_say(buf, len, true);
}

/* ---- the errors kept for the reports and the process record ---- */

static struct hg_diag_error kept[HG_DIAG_ERRORS_KEPT];
static unsigned nkept;

unsigned hg_diag_errors(const struct hg_diag_error **list)
{
	*list = kept;
	return __atomic_load_n(&nkept, __ATOMIC_ACQUIRE);
}

const char *hg_diag_kind_name(unsigned kind)
{
	return kind < HG_ERR_KIND_COUNT ? kind_names[kind] : "?";
}

/* Under report_lock.  first: the diagnostic's first line, without its
 * "heapguard: " and its newline. */
static void keep(enum hg_error_kind kind, const void *addr, const struct hg_diag_chunk *about,
		 const uintptr_t *pcs, unsigned depth, const char *first, size_t first_len)
{
	if (nkept == HG_DIAG_ERRORS_KEPT)
		return;
	struct hg_diag_error *e = &kept[nkept];
	e->kind = kind;
	e->address = (uintptr_t)addr;
	e->stack = depth > 0 && hg_diag_hooks.stack_id != NULL ? hg_diag_hooks.stack_id(pcs, depth)
							       : 0;
	e->alloc_stack = about->alloc_stack;
	e->free_stack = about->free_stack;
	if (first_len >= sizeof(e->message))
		first_len = sizeof(e->message) - 1;
	memcpy(e->message, first, first_len);
	e->message[first_len] = '\0';
	__atomic_store_n(&nkept, nkept + 1, __ATOMIC_RELEASE);
}

/* Frames that do not fit are left out whole, never cut. */
static size_t format_stack(char *buf, size_t len, const uintptr_t *pcs, unsigned n)
{
	size_t used = 0;
	for (unsigned i = 0; i < n && hg_diag_hooks.format_frame != NULL; i++) {
		size_t k = hg_diag_hooks.format_frame(buf + used, len - used, i, pcs[i]);
		if (used + k + 1 >= len) {
			buf[used] = '\0';
			break;
		}
		used += k;
	}
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
	if (used + 1 >= len) { /* no room left: not even the heading */
		buf[0] = '\0';
		return 0;
	}
	return used + format_stack(buf + used, len - used, pcs, n);
}

/* Bytes a write after free changed: offsets first..last of the block,
 * found[] as read. */
struct modified {
	size_t first, last;
	const unsigned char *found;
};

/* At most this many of the modified bytes are shown. */
#define HG_DIAG_DUMP_MAX 32

static size_t format_modified(char *buf, size_t len, const struct modified *m)
{
	size_t span = m->last - m->first + 1;
	size_t n = hg_fmt(buf, len, "  modified: offsets %zu..%zu of the freed block (%zu byte%s)\n",
			  m->first, m->last, span, span == 1 ? "" : "s");
	n += hg_fmt(buf + n, len - n, "  found:");
	size_t shown = span < HG_DIAG_DUMP_MAX ? span : HG_DIAG_DUMP_MAX;
	for (size_t i = 0; i < shown; i++)
		n += hg_fmt(buf + n, len - n, " %02x", (unsigned)m->found[i]);
	if (shown < span)
		n += hg_fmt(buf + n, len - n, " ... (%zu more)", span - shown);
	n += hg_fmt(buf + n, len - n, "\n");
	return n;
}

/* The block below the damaged chunk, which an overflow from below would
 * have run through: its size and request, state and allocation stack. */
static size_t format_below(char *buf, size_t len, enum hg_error_kind kind,
			   const struct hg_chunk *below)
{
	struct hg_diag_chunk b = { 0 };
	hg_diag_hooks.describe_chunk(below, &b);
	/* A canary or trailer is damaged from inside its own block: an
	 * overflow from below would have broken this block's header first. */
	const char *label = kind == HG_ERR_HEAP_OVERFLOW ? "the block below"
							  : "the block below, likely the writer";
	const void *end = (const char *)below + b.size;
	if (b.state == HG_DIAG_STATE_FREE)
		return hg_fmt(buf, len, "  %s: chunk %p..%p (%zu bytes) is free (a thread cache, a bin or top)\n",
			      label, (const void *)below, end, b.size);
	size_t n;
	if (b.has_requested)
		n = hg_fmt(buf, len, "  %s: %zu bytes (chunk %p..%p, %zu bytes%s)", label,
			   b.requested, (const void *)below, end, b.size,
			   b.state == HG_DIAG_STATE_FREED ? ", freed" : "");
	else
		n = hg_fmt(buf, len, "  %s: chunk %p..%p (%zu bytes%s%s)", label, (const void *)below,
			   end, b.size, b.state == HG_DIAG_STATE_FREED ? ", freed" : "",
			   b.alloc_stack != 0 ? "; request unknown: its bookkeeping was overwritten"
					      : "");
	const uintptr_t *pcs;
	unsigned frames = b.alloc_stack != 0 && hg_diag_hooks.stack_frames != NULL
				  ? hg_diag_hooks.stack_frames(b.alloc_stack, &pcs)
				  : 0;
	if (frames == 0)
		return n + hg_fmt(buf + n, len - n, ", %s: no allocation stack recorded\n",
				  b.state == HG_DIAG_STATE_FREED ? "freed" : "in use");
	n += hg_fmt(buf + n, len - n, " allocated by thread %u at:\n", b.alloc_thread);
	if (n + 1 >= len)
		return n;
	return n + format_stack(buf + n, len - n, pcs, frames);
}

/* The operations of the reporters of a faulting access (hg_diag_access_*):
 * there the program goes on by retrying the access on a page made
 * accessible (guard/fault.c), and the chunk is not isolated. */
static const char *const access_ops[] = {
	"at a write before the block", "at a read before the block",
	"at a write past the block",   "at a read past the block",
	"at a write to the freed block", "at a read of the freed block",
};

static bool caught_at_access(const char *op)
{
	for (size_t i = 0; i < sizeof(access_ops) / sizeof(access_ops[0]); i++)
		if (op == access_ops[i])
			return true;
	return false;
}

/* The one writer.  addr and chunk as for the reporters; damaged, when not
 * NULL, is the chunk whose memory was found damaged (its header may not
 * verify): its recorded owners are shown when chunk is not, and the block
 * below it; modified the bytes a write after free changed.  op may be NULL
 * (an internal operation the program did not call by name), glibc NULL
 * (no glibc check catches this), detail one line of specifics. */
static void vdiagnose(enum hg_error_kind kind, const void *addr, const struct hg_chunk *chunk,
		      const struct hg_chunk *damaged, const struct modified *modified,
		      const char *op, const char *glibc, const char *detail, va_list detail_ap)
{
	int policy = (int)hg_config.options.check;
	const char *dying = __atomic_load_n(&dying_of, __ATOMIC_ACQUIRE);
	if (dying != NULL)
		policy &= 1; /* the signal ends the process, not heapguard */
	if (policy < 2 && already_reported(kind, addr))
		return;
	__atomic_fetch_add(&hg_errors_reported, 1, __ATOMIC_RELAXED);
	/* The stacks' symbols are read from files and the report is written:
	 * cancellation points inside a call (free, malloc...) that is none.
	 * A thread cancelled here would also leave report_lock held. */
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	/* Every policy keeps the error (for the reports, the process record
	 * and error_exitcode); 1 and 3 also print it. */
	if (!lock_writer(&report_lock)) {
		pthread_setcancelstate(cancel, NULL);
		return;
	}
	char *buf = report_buf;
	size_t room = sizeof(report_buf) - HG_DIAG_TAIL;
	size_t n = hg_fmt(buf, room, "heapguard: %s of %p", kind_names[kind], addr);
	struct hg_diag_chunk about = { 0 };
	bool described = chunk != NULL && hg_diag_hooks.describe_chunk != NULL;
	/* A damaged chunk not described (its header may not verify): its
	 * owners as recorded out of its reach. */
	bool owned = !described && damaged != NULL && hg_diag_hooks.chunk_owners != NULL &&
		     hg_diag_hooks.chunk_owners(damaged, &about);
	if (described) {
		hg_diag_hooks.describe_chunk(chunk, &about);
		n += hg_fmt(buf + n, room - n, " (chunk %p..%p, %zu bytes", (const void *)chunk,
			    (const void *)((const char *)chunk + about.size), about.size);
		if (about.has_requested)
			n += hg_fmt(buf + n, room - n, ", %zu requested", about.requested);
		n += hg_fmt(buf + n, room - n, ")");
	}
	if (op != NULL && strncmp(op, "at ", 3) == 0)
		n += hg_fmt(buf + n, room - n, " %s", op); /* HG_DIAG_AT_EXIT */
	else if (op != NULL)
		n += hg_fmt(buf + n, room - n, " in %s()", op);
	size_t first_end = n;
	uintptr_t pcs[HG_DIAG_DEPTH_MAX];
	unsigned max = (unsigned)hg_config.options.depth;
	unsigned depth = hg_diag_hooks.unwind != NULL
				 ? hg_diag_hooks.unwind(pcs, max < HG_DIAG_DEPTH_MAX ? max : HG_DIAG_DEPTH_MAX)
				 : 0;
	static const char prefix[] = "heapguard: ";
	keep(kind, addr, &about, pcs, depth, buf + sizeof(prefix) - 1,
	     first_end - (sizeof(prefix) - 1));
	if (policy & 1) {
		n += hg_fmt(buf + n, room - n, "\n");
		n += hg_fmt(buf + n, room - n, "  ");
		n += hg_vfmt(buf + n, room - n, detail, detail_ap);
		n += hg_fmt(buf + n, room - n, "\n");
		if (modified != NULL)
			n += format_modified(buf + n, room - n, modified);
		char name[17] = "";
		prctl(PR_GET_NAME, name, 0, 0, 0);
		unsigned thread = hg_diag_hooks.thread_number != NULL ? hg_diag_hooks.thread_number() : 0;
		n += hg_fmt(buf + n, room - n, "  thread %u (%s, tid %d):\n", thread, name,
			    (int)gettid());
		n += format_stack(buf + n, room - n, pcs, depth);
		if (owned && (const char *)damaged + 16 != (const char *)addr)
			n += hg_fmt(buf + n, room - n, "  the damaged chunk at %p:\n",
				    (const void *)damaged);
		if (described || owned) {
			n += format_origin(buf + n, room - n, "freed", about.free_stack,
					   about.free_thread);
			n += format_origin(buf + n, room - n, "allocated", about.alloc_stack,
					   about.alloc_thread);
		}
		const struct hg_chunk *below =
			damaged != NULL && hg_diag_hooks.chunk_below != NULL &&
					hg_diag_hooks.describe_chunk != NULL
				? hg_diag_hooks.chunk_below(damaged)
				: NULL;
		if (below != NULL && n + 1 < room)
			n += format_below(buf + n, room - n, kind, below);
		room = sizeof(report_buf);
		if (glibc != NULL)
			n += hg_fmt(buf + n, room - n,
				    "  glibc 2.36 reports this as: %s\n", glibc);
		if (dying != NULL)
			n += hg_fmt(buf + n, room - n,
				    "heapguard: found while the process was dying of %s\n", dying);
		else if (policy & 2)
			n += hg_fmt(buf + n, room - n, "heapguard: aborting (check=%d)\n",
				    policy);
		else if (caught_at_access(op))
			n += hg_fmt(buf + n, room - n,
				    "heapguard: continuing (check=%d): the page is made accessible and the access retried\n",
				    policy);
		else
			n += hg_fmt(buf + n, room - n,
				    "heapguard: continuing (check=%d): the chunk is isolated\n", policy);
		emit(buf, n);
	}
	hg_lock_release(&report_lock);
	pthread_setcancelstate(cancel, NULL);
	if (policy & 2) {
		/* The process ends here: the reports it would have written at
		 * exit are written now, or never. */
		__atomic_store_n(&aborting, true, __ATOMIC_RELEASE);
		if (hg_diag_hooks.before_abort != NULL)
			hg_diag_hooks.before_abort();
		abort();
	}
}

__attribute__((format(printf, 6, 7))) static void
diagnose(enum hg_error_kind kind, const void *addr, const struct hg_chunk *chunk, const char *op,
	 const char *glibc, const char *detail, ...)
{
	va_list ap;
	va_start(ap, detail);
	vdiagnose(kind, addr, chunk, NULL, NULL, op, glibc, detail, ap);
	va_end(ap);
}

/* The same for damage found in the memory of chunk damaged. */
__attribute__((format(printf, 8, 9))) static void
diagnose_damage(enum hg_error_kind kind, const void *addr, const struct hg_chunk *chunk,
		const struct hg_chunk *damaged, const struct modified *modified, const char *op,
		const char *glibc, const char *detail, ...)
{
	va_list ap;
	va_start(ap, detail);
	vdiagnose(kind, addr, chunk, damaged, modified, op, glibc, detail, ap);
	va_end(ap);
}

/* The chunk whose header is at mem's place. */
static const struct hg_chunk *chunk_of(const void *mem)
{
	return (const struct hg_chunk *)((const char *)mem - 16);
}

/* ---- the reporters, one per error ---- */

/* glibc checks a pointer given to free() and realloc() alike, and names
 * the function in its message. */
static const char *invalid_pointer(const char *op)
{
	return strcmp(op, "realloc") == 0 ? "realloc(): invalid pointer"
					  : "free(): invalid pointer";
}

void hg_diag_free_misaligned(const void *mem, const char *op)
{
	diagnose(HG_ERR_INVALID_FREE, mem, NULL, op, invalid_pointer(op),
		 "the pointer is not 16-byte aligned: not the start of a heapguard block");
}

void hg_diag_free_foreign(const void *mem, const char *op)
{
	diagnose(HG_ERR_INVALID_FREE, mem, NULL, op, invalid_pointer(op),
		 "the pointer is not in heapguard's heap (stack, global, another mapping, or never allocated)");
}

void hg_diag_free_interior(const void *mem, const struct hg_chunk *c, const char *op,
			   size_t offset)
{
	diagnose(HG_ERR_INVALID_FREE, mem, c, op, invalid_pointer(op),
		 "the pointer is %zu bytes inside a chunk, not the start of a block", offset);
}

void hg_diag_free_no_chunk(const void *mem, const char *op, size_t found)
{
	diagnose(HG_ERR_INVALID_FREE, mem, NULL, op, invalid_pointer(op),
		 "no chunk of heapguard's starts here (found 0x%zx where its header would be)", found);
}

void hg_diag_double_free(const void *mem, const struct hg_chunk *c, const char *op, bool fast)
{
	diagnose(HG_ERR_DOUBLE_FREE, mem, c, op,
		 fast ? "double free or corruption (fasttop)"
		      : "free(): double free detected in tcache 2",
		 "the chunk is already free (in a thread cache, a bin or merged into top)");
}

void hg_diag_double_free_quarantined(const void *mem, const struct hg_chunk *c, const char *op)
{
	diagnose(HG_ERR_DOUBLE_FREE, mem, c, op, "free(): double free detected in tcache 2",
		 "the chunk was already freed and is in the quarantine");
}

void hg_diag_double_free_isolated(const void *mem, const struct hg_chunk *c, const char *op)
{
	diagnose(HG_ERR_DOUBLE_FREE, mem, c, op, NULL,
		 "the chunk was already freed and isolated after an earlier error");
}

void hg_diag_double_free_unmapped(const void *mem, const char *op)
{
	diagnose(HG_ERR_DOUBLE_FREE, mem, NULL, op, "munmap_chunk(): invalid pointer",
		 "the block was mmap'd on its own and has already been freed (unmapped)");
}

/* glibc's malloc_usable_size checks nothing: of a freed heap chunk it
 * returns 0 and says nothing, so there is no glibc message to quote. */
void hg_diag_use_after_free(const void *mem, const struct hg_chunk *c, const char *op,
			    enum hg_diag_freed where)
{
	static const char *const state[] = {
		[HG_DIAG_FREED_CACHED] = "is free (in a thread cache, a bin or merged into top)",
		[HG_DIAG_FREED_QUARANTINED] = "was freed and is in the quarantine",
		[HG_DIAG_FREED_ISOLATED] = "was freed and isolated after an earlier error",
		[HG_DIAG_FREED_UNMAPPED] = "was mmap'd on its own and has been freed (unmapped)",
	};
	diagnose(HG_ERR_USE_AFTER_FREE, mem, c, op, NULL, "the block %s: it is used after free",
		 state[where]);
}

void hg_diag_header_overwritten(const void *mem, const char *op, size_t head)
{
	diagnose_damage(HG_ERR_HEADER_CORRUPTION, mem, NULL, chunk_of(mem), NULL, op,
			"free(): invalid size",
			"the block's chunk header was overwritten: it reads 0x%zx and does not verify",
			head);
}

void hg_diag_header_after_broken(const void *mem, const char *op, const void *broken)
{
	diagnose_damage(HG_ERR_HEADER_CORRUPTION, mem, NULL, broken, NULL, op, "free(): invalid size",
			"the heap is corrupt before this block: the chunk header at %p does not verify",
			broken);
}

void hg_diag_size_impossible(const void *mem, const char *op, size_t size)
{
	diagnose_damage(HG_ERR_HEADER_CORRUPTION, mem, NULL, chunk_of(mem), NULL, op,
			"free(): invalid size", "the chunk's size field (0x%zx) is impossible", size);
}

void hg_diag_mmap_header(const void *mem, const char *op, size_t head, size_t prev_size)
{
	diagnose(HG_ERR_MMAP_CORRUPTION, mem, NULL, op, "munmap_chunk(): invalid pointer",
		 "the header of a block mmap'd on its own was overwritten (size or offset to its mapping): reads 0x%zx, prev_size 0x%zx",
		 head, prev_size);
}

void hg_diag_mmap_unknown(const void *mem, const char *op)
{
	diagnose(HG_ERR_MMAP_CORRUPTION, mem, NULL, op, "munmap_chunk(): invalid pointer",
		 "the header says mmap'd but heapguard made no such mapping");
}

void hg_diag_mmap_bad_mapping(const void *mem, const char *op, size_t offset, size_t size,
			      bool remap)
{
	diagnose(HG_ERR_INVALID_FREE, mem, NULL, op,
		 remap ? "mremap_chunk(): invalid pointer" : "munmap_chunk(): invalid pointer",
		 "the header of a block mmap'd on its own does not describe a mapping: it starts 0x%zx bytes before the chunk and is 0x%zx bytes long",
		 offset, size);
}

/* ---- level=full ---- */

/* What glibc's MALLOC_CHECK_=3 says of a byte changed past the request. */
#define HG_GLIBC_CHECK_SIZE "malloc_check_get_size: memory corruption"

void hg_diag_canary(const void *mem, const struct hg_chunk *c, const char *op, size_t requested,
		    size_t offset, unsigned found, unsigned expected)
{
	diagnose_damage(HG_ERR_HEAP_OVERFLOW, mem, c, c, NULL, op, HG_GLIBC_CHECK_SIZE,
		 "%zu byte(s) past the requested %zu: byte at offset %zu is 0x%02x, expected 0x%02x",
		 offset - requested + 1, requested, offset, found, expected);
}

void hg_diag_trailer(const void *mem, const struct hg_chunk *c, const char *op, size_t offset)
{
	diagnose_damage(HG_ERR_HEAP_OVERFLOW, mem, c, c, NULL, op, HG_GLIBC_CHECK_SIZE,
		 "the bookkeeping after the canary (offset %zu) was overwritten", offset);
}

void hg_diag_freed_header(const void *mem, const char *op, size_t head)
{
	diagnose_damage(HG_ERR_WRITE_AFTER_FREE, mem, NULL, chunk_of(mem), NULL, op, NULL,
			"the freed chunk's header was overwritten (found 0x%zx)", head);
}

void hg_diag_freed_trailer(const void *mem, const struct hg_chunk *c, const char *op,
			   size_t offset, unsigned bytes, const unsigned char *found)
{
	const struct modified m = { offset, offset + bytes - 1, found };
	diagnose_damage(HG_ERR_WRITE_AFTER_FREE, mem, c, c, &m, op, NULL,
			"the last %u bytes of the freed block (offset %zu) were overwritten", bytes,
			offset);
}

void hg_diag_freed_fill(const void *mem, const struct hg_chunk *c, const char *op, size_t first,
			size_t last, const unsigned char *found, unsigned fill)
{
	const struct modified m = { first, last, found };
	diagnose_damage(HG_ERR_WRITE_AFTER_FREE, mem, c, c, &m, op, NULL,
			"byte at offset %zu of the freed block is 0x%02x, expected the fill 0x%02x",
			first, (unsigned)found[0], fill);
}

/* ---- accesses caught at the instruction ---- */

void hg_diag_access_outside(const void *mem, const struct hg_chunk *c, const void *addr,
			    ptrdiff_t offset, size_t requested, bool write, bool underflow)
{
	const char *what = write ? "write" : "read";
	if (underflow)
		diagnose(HG_ERR_HEAP_OVERFLOW, mem, c,
			 access_ops[write ? 0 : 1], NULL,
			 "heap underflow: a %s at %p, %ld bytes before the block's start, hit the guard page before its sampled slot",
			 what, addr, (long)-offset);
	else
		diagnose(HG_ERR_HEAP_OVERFLOW, mem, c,
			 access_ops[write ? 2 : 3], NULL,
			 "a %s at %p, offset %ld of the block (%ld byte(s) past the requested %zu), hit the guard page after its sampled slot",
			 what, addr, (long)offset, (long)(offset - (ptrdiff_t)requested + 1), requested);
}

void hg_diag_access_freed(const void *mem, const struct hg_chunk *c, const void *addr,
			  ptrdiff_t offset, bool write, bool sampled)
{
	diagnose(HG_ERR_USE_AFTER_FREE, mem, c,
		 access_ops[write ? 4 : 5], NULL,
		 "a %s at %p, offset %ld of the block, after it was freed (%s)", write ? "write" : "read",
		 addr, (long)offset,
		 sampled ? "its sampled slot is inaccessible until reused"
			 : "its pages are inaccessible while it is in the quarantine");
}

/* ---- the heap's own structures ---- */

void hg_diag_next_header(const void *mem, const char *op, const void *next, bool fast)
{
	diagnose_damage(HG_ERR_HEADER_CORRUPTION, mem, NULL, next, NULL, op,
		 strcmp(op, "realloc") == 0 ? "realloc(): invalid next size"
		 : fast			    ? "free(): invalid next size (fast)"
					    : "free(): invalid next size (normal)",
		 "the header of the next chunk (at %p) does not verify", next);
}

void hg_diag_prev_size(const void *mem, const struct hg_chunk *c, const char *op,
		       size_t prev_size, const void *prev)
{
	diagnose_damage(HG_ERR_HEADER_CORRUPTION, mem, c, c, NULL, op,
		 "corrupted size vs. prev_size while consolidating",
		 "the chunk says the one before it is free, but prev_size 0x%zx leads to %p, not a free chunk of that size (forged prev_size or P bit)",
		 prev_size, prev);
}

/* Unlinking runs inside malloc, free, realloc and malloc_trim alike: no
 * call is named. */
void hg_diag_unlink_header(const void *mem)
{
	diagnose_damage(HG_ERR_HEADER_CORRUPTION, mem, NULL, chunk_of(mem), NULL, NULL,
			"corrupted size vs. prev_size", "a free chunk's header does not verify");
}

void hg_diag_unlink_prev_size(const void *mem, const struct hg_chunk *c, size_t prev_size,
			      size_t size)
{
	diagnose_damage(HG_ERR_HEADER_CORRUPTION, mem, c, c, NULL, NULL, "corrupted size vs. prev_size",
		 "the next chunk's prev_size is 0x%zx, the chunk's size 0x%zx", prev_size, size);
}

void hg_diag_unlink_links(const void *mem, const struct hg_chunk *c, const void *fd,
			  const void *bk)
{
	diagnose(HG_ERR_FREELIST_CORRUPTION, mem, c, NULL, "corrupted double-linked list",
		 "fd %p / bk %p do not link back to the chunk", fd, bk);
}

void hg_diag_unlink_nextsize(const void *mem, const struct hg_chunk *c, const void *fd_nextsize,
			     const void *bk_nextsize)
{
	diagnose(HG_ERR_FREELIST_CORRUPTION, mem, c, NULL,
		 "corrupted double-linked list (not small)",
		 "fd_nextsize %p / bk_nextsize %p do not link back to the chunk", fd_nextsize,
		 bk_nextsize);
}

/* glibc checks the oldest chunk of the unsorted bin five ways, each with
 * its own message; heapguard's sentence covers them all. */
#define HG_UNSORTED_OLDEST \
	"the unsorted bin's oldest chunk does not hold up (header, links or boundary tag)"

static const struct {
	const char *what, *glibc;
} bin_checks[HG_DIAG_BIN_COUNT] = {
	[HG_DIAG_UNSORTED_HEAD] = { "the unsorted bin's first chunk does not link back to the bin",
				    "free(): corrupted unsorted chunks" },
	[HG_DIAG_UNSORTED_SIZE] = { HG_UNSORTED_OLDEST, "malloc(): invalid size (unsorted)" },
	[HG_DIAG_UNSORTED_NEXT_SIZE] = { HG_UNSORTED_OLDEST,
					 "malloc(): invalid next size (unsorted)" },
	[HG_DIAG_UNSORTED_PREV_SIZE] = { HG_UNSORTED_OLDEST,
					 "malloc(): mismatching next->prev_size (unsorted)" },
	[HG_DIAG_UNSORTED_LINKS] = { HG_UNSORTED_OLDEST,
				     "malloc(): unsorted double linked list corrupted" },
	[HG_DIAG_UNSORTED_PREV_INUSE] = { HG_UNSORTED_OLDEST,
					  "malloc(): invalid next->prev_inuse (unsorted)" },
	[HG_DIAG_SMALL_HEAD] = { "a small bin's first chunk does not link back to the bin",
				 "malloc(): smallbin double linked list corrupted" },
	[HG_DIAG_SMALL_TAIL] = { "a small bin's last chunk or its back link does not hold up",
				 "malloc(): smallbin double linked list corrupted" },
	[HG_DIAG_LARGE_FIRST] = { "a large bin's first chunk does not verify",
				  "malloc(): largebin double linked list corrupted (nextsize)" },
	[HG_DIAG_LARGE_SIZE_WALK] = {
		"a large bin's size list leads to something that is not a free chunk",
		"malloc(): largebin double linked list corrupted (nextsize)" },
	[HG_DIAG_LARGE_SIZES] = {
		"a large bin's size list does not link back to its largest chunk",
		"malloc(): largebin double linked list corrupted (nextsize)" },
	[HG_DIAG_LARGE_LINKS] = { "a large bin's links do not hold together",
				  "malloc(): largebin double linked list corrupted (bk)" },
};

void hg_diag_bin_link(const void *mem, const char *op, enum hg_diag_bin check)
{
	diagnose(HG_ERR_FREELIST_CORRUPTION, mem, NULL, op, bin_checks[check].glibc, "%s",
		 bin_checks[check].what);
}

void hg_diag_bin_walk(const void *mem, const char *op, unsigned bin, const void *chunk)
{
	diagnose(HG_ERR_FREELIST_CORRUPTION, mem, NULL, op, "corrupted double-linked list",
		 "bin %u leads to %p, which is not a free chunk linked back to its predecessor", bin,
		 chunk);
}

/* The singly linked lists, thread caches and fastbins, fail the same two
 * ways; glibc names each list and, for fastbins, malloc_consolidate. */
#define HG_LIST_ENTRY \
	"the %s for %zu-byte chunks leads to %p, which is not a free chunk of that size (forged or overwritten next pointer)"
#define HG_LIST_NEXT "the freed chunk's next pointer was overwritten (decodes to %p)"

void hg_diag_tcache_entry(const void *mem, const char *op, size_t size, const void *chunk)
{
	diagnose(HG_ERR_FREELIST_CORRUPTION, mem, NULL, op,
		 "malloc(): unaligned tcache chunk detected",
		 HG_LIST_ENTRY, "thread cache", size, chunk);
}

void hg_diag_tcache_next(const void *mem, const struct hg_chunk *c, const char *op,
			 const void *next)
{
	diagnose(HG_ERR_FREELIST_CORRUPTION, mem, c, op,
		 "malloc(): unaligned tcache chunk detected",
		 HG_LIST_NEXT, next);
}

void hg_diag_fastbin_entry(const void *mem, const char *op, size_t size, const void *chunk,
			   bool consolidating)
{
	diagnose(HG_ERR_FREELIST_CORRUPTION, mem, NULL, op,
		 consolidating ? "malloc_consolidate(): invalid chunk size"
			       : "malloc(): memory corruption (fast)",
		 HG_LIST_ENTRY, "fastbin", size, chunk);
}

void hg_diag_fastbin_next(const void *mem, const struct hg_chunk *c, const char *op,
			  const void *next, bool consolidating)
{
	diagnose(HG_ERR_FREELIST_CORRUPTION, mem, c, op,
		 consolidating ? "malloc_consolidate(): unaligned fastbin chunk detected"
			       : "malloc(): unaligned fastbin chunk detected",
		 HG_LIST_NEXT, next);
}

/* The next three run in the arena's free, whatever call led there: no
 * call is named. */
void hg_diag_fastbin_double_free(const void *mem)
{
	diagnose(HG_ERR_DOUBLE_FREE, mem, NULL, NULL, "double free or corruption (fasttop)",
		 "the chunk being freed is already at the head of its fastbin");
}

void hg_diag_free_top(const void *mem)
{
	diagnose(HG_ERR_INVALID_FREE, mem, NULL, NULL, "double free or corruption (top)",
		 "the chunk being freed is the arena's top chunk, which is never handed out");
}

void hg_diag_free_past_top(const void *mem)
{
	diagnose(HG_ERR_INVALID_FREE, mem, NULL, NULL, "double free or corruption (out)",
		 "the chunk being freed ends beyond the arena's top chunk");
}

void hg_diag_top_size(const void *mem, const char *op, size_t size, bool checksum_ok,
		      size_t extent)
{
	diagnose(HG_ERR_TOP_CORRUPTION, mem, NULL, op, "malloc(): corrupted top size",
		 "the top chunk's header says 0x%zx bytes (checksum %s); its memory ends %zu bytes after it",
		 size, checksum_ok ? "good" : "bad", extent);
}

void hg_diag_top_break(const void *top, const void *brk, const void *heap_end)
{
	diagnose(HG_ERR_TOP_CORRUPTION, top, NULL, NULL, "break adjusted to free malloc space",
		 "growing the heap, the program break was found at %p, below the heap's end at %p (moved by someone else)",
		 brk, heap_end);
}

void hg_diag_heap_walk(const void *mem, const char *op, const void *chunk, size_t head)
{
	diagnose_damage(HG_ERR_HEADER_CORRUPTION, mem, NULL, chunk, NULL, op,
		 "malloc(): invalid size (unsorted)",
		 "walking the heap: the chunk header at %p does not verify (reads 0x%zx)", chunk,
		 head);
}
