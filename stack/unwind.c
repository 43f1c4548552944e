/* SPDX-License-Identifier: MIT */
/* libunwind is dlopen'ed with RTLD_LOCAL rather than linked: Debian's
 * libunwind.so.8 exports _Unwind_RaiseException and friends and backtrace(),
 * and as a DT_NEEDED of a preloaded library it would sit in the global scope
 * ahead of libgcc_s and libc, replacing C++ exception handling and glibc's
 * backtrace() in the program under test.  Loaded locally, its symbols are
 * seen by heapguard's dlsym only. */
#define _GNU_SOURCE
#include "unwind.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/compiler.h"
#include "../base/fmt.h"
#include "../lib/lib.h"
#include "cfi.h"
#include "../base/os.h"
#include "stack.h"

#ifndef HG_LIBUNWIND_SONAME
#define HG_LIBUNWIND_SONAME "libunwind.so.8"
#endif

/* heapguard's own frames above a capture: usually at most HG_OWN_FRAMES
 * (realloc's slow path, the quarantine), never more than HG_OWN_FRAMES_MAX. */
#define HG_OWN_FRAMES 6

bool hg_stack_ready;
static int (*unw_backtrace_fn)(void **buffer, int size);
static uintptr_t own_text_lo, own_text_hi;	/* heapguard's executable segment */

bool hg_unwind_is_ours(uintptr_t pc)
{
	return pc - own_text_lo < own_text_hi - own_text_lo;
}

static int find_own_text(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	uintptr_t probe = (uintptr_t)ctx;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (probe - lo < ph->p_memsz) {
			own_text_lo = lo;
			own_text_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

/* ---- libunwind's validation pipe ----
 * libunwind 1.6 opens a pipe when it first initialises, to probe memory in
 * its slow unw_step path, and keeps it for good: every program under test
 * would find two extra descriptors at 3 and 4, shifting the ones it opens
 * (Python's test_subprocess notices), and a shell's `exec 3>file` would send
 * libunwind's probe bytes into the program's file.  heapguard finds
 * libunwind's record of the pipe, closes the pipe and sets the record to -1;
 * libunwind opens it again the next time it needs it (rarely: about a dozen
 * times in a Python run), and heapguard closes it again as soon as that
 * unwind is over, while the process is single-threaded (with threads, one
 * of them may be using it: then it stays open). */
static int *pipe_record;			/* libunwind's int[2], or NULL */

static void close_validation_pipe(void)
{
	int fds[2] = { pipe_record[0], pipe_record[1] };
	pipe_record[0] = pipe_record[1] = -1;
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
}

#define HG_FD_SET_MAX 4096
struct fd_set_bits {
	uint64_t bits[HG_FD_SET_MAX / 64];
};

static void note_fd(long fd, void *ctx)
{
	struct fd_set_bits *set = ctx;
	if (fd < HG_FD_SET_MAX)
		set->bits[fd / 64] |= (uint64_t)1 << (fd % 64);
}

/* The open descriptors below HG_FD_SET_MAX, read without allocating. */
static bool open_fds(struct fd_set_bits *set)
{
	memset(set, 0, sizeof(*set));
	return hg_os_each_number("/proc/self/fd", note_fd, set);
}

struct pipe_search {
	const char *soname;
	int fds[2];
	int *found;
	unsigned matches;
};

static int find_pipe_record(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	struct pipe_search *s = ctx;
	const char *name = info->dlpi_name, *slash = strrchr(name, '/');
	if (strcmp(slash != NULL ? slash + 1 : name, s->soname) != 0)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		int *p = (int *)((info->dlpi_addr + ph->p_vaddr + 3) & ~(uintptr_t)3);
		int *end = (int *)(info->dlpi_addr + ph->p_vaddr + ph->p_memsz) - 1;
		for (; p < end; p++)
			if (p[0] == s->fds[0] && p[1] == s->fds[1]) {
				s->found = p;
				s->matches++;
			}
	}
	return 1;
}

/* After libunwind's first use: find the record of the pipe it opened; it
 * must be unambiguous, or the pipe is left alone (said when verbose). */
static void find_validation_pipe(const struct fd_set_bits *before)
{
	struct fd_set_bits after;
	if (!open_fds(&after))
		return;
	int fds[2], count = 0;
	for (int fd = 0; fd < HG_FD_SET_MAX; fd++) {
		bool added = (after.bits[fd / 64] & ~before->bits[fd / 64]) >> (fd % 64) & 1;
		struct stat st;
		if (added && count < 2 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
			fds[count++] = fd;
		else if (added)
			count = 3;
	}
	if (count != 2)
		return;
	struct pipe_search s = { HG_LIBUNWIND_SONAME, { fds[0], fds[1] }, NULL, 0 };
	dl_iterate_phdr(find_pipe_record, &s);
	if (s.matches != 1) {
		if (hg_config.options.verbose)
			hg_fmt_fd(2, "heapguard: libunwind keeps descriptors %d and %d open\n", fds[0],
				  fds[1]);
		return;
	}
	pipe_record = s.found;
	close_validation_pipe();
}

/* libunwind's unw_backtrace, heapguard's own leading frames skipped. */
/* fork(): libunwind's own locks have no fork handlers, so no thread may be
 * inside it when fork() copies the process.  Captures that would enter it
 * while a fork is pending record no stack instead.  A count, not a flag:
 * two threads may be forking at once (glibc runs the prepare handlers
 * without a lock held). */
static unsigned inside_libunwind;
static unsigned forks_pending;
/* Loading libunwind (see libunwind_load). */
static struct hg_lock load_lock = HG_LOCK_INIT;
enum { LOAD_NONE, LOAD_DONE, LOAD_BUSY, LOAD_FAILED };
static int load_state;

HG_FORK_CODE void hg_unwind_fork_prepare(void)
{
	__atomic_add_fetch(&forks_pending, 1, __ATOMIC_SEQ_CST);
	/* libunwind's slow path takes microseconds; a thread stuck there
	 * for a second is left alone rather than hanging the fork. */
	for (unsigned i = 0; i < 100000 && __atomic_load_n(&inside_libunwind, __ATOMIC_SEQ_CST); i++)
		sched_yield();
}

HG_FORK_CODE void hg_unwind_fork_parent(void)
{
	__atomic_sub_fetch(&forks_pending, 1, __ATOMIC_SEQ_CST);
}

/* The child is this thread alone: no other fork, no other capture. */
HG_FORK_CODE void hg_unwind_fork_child(void)
{
	__atomic_store_n(&forks_pending, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&inside_libunwind, 0, __ATOMIC_SEQ_CST);
	/* A load another thread was still in after the fork's bounded wait
	 * (see libunwind_load) is tried again here. */
	hg_lock_reset(&load_lock);
	if (load_state == LOAD_BUSY)
		load_state = LOAD_NONE;
}

static unsigned libunwind_backtrace_unguarded(uintptr_t *pcs, unsigned max);
static bool libunwind_load(void);

/* libunwind's frames into pcs; 0 when a fork is pending, or when libunwind
 * is not loaded and may_load is false (see hg_unwind_capture). */
static unsigned libunwind_backtrace(uintptr_t *pcs, unsigned max, bool may_load)
{
	if (__atomic_load_n(&forks_pending, __ATOMIC_SEQ_CST))
		return 0;
	__atomic_add_fetch(&inside_libunwind, 1, __ATOMIC_SEQ_CST);
	unsigned n = 0;
	/* Loading counts as being inside libunwind: a fork waits for it. */
	if (!__atomic_load_n(&forks_pending, __ATOMIC_SEQ_CST) &&
	    (__atomic_load_n(&unw_backtrace_fn, __ATOMIC_ACQUIRE) != NULL ||
	     (may_load && libunwind_load())))
		n = libunwind_backtrace_unguarded(pcs, max);
	__atomic_sub_fetch(&inside_libunwind, 1, __ATOMIC_SEQ_CST);
	return n;
}

static unsigned libunwind_backtrace_unguarded(uintptr_t *pcs, unsigned max)
{
	/* heapguard's own frames (malloc, its slow path, the capture) come
	 * first: room for the usual number of them on top of what is kept,
	 * and a second walk when there were more (an error deep in the
	 * allocator).  libunwind costs about 8 ns a frame. */
	void *buf[HG_DEPTH_MAX + HG_OWN_FRAMES_MAX];
	unsigned want = max + HG_OWN_FRAMES, own;
	int n;
	for (;;) {
		n = unw_backtrace_fn(buf, (int)want);
		own = 0;
		while (own < (unsigned)n && hg_unwind_is_ours((uintptr_t)buf[own]))
			own++;
		if ((unsigned)n < want || n - own >= max || want == max + HG_OWN_FRAMES_MAX)
			break;
		want = max + HG_OWN_FRAMES_MAX;
	}
	if (HG_UNLIKELY(pipe_record != NULL && pipe_record[0] >= 0) && __libc_single_threaded)
		close_validation_pipe();
	unsigned kept = 0;
	for (unsigned i = own; i < (unsigned)n && kept < max; i++)
		pcs[kept++] = (uintptr_t)buf[i];
	return kept;
}

/* unwind_verify=1: the fast walk must give exactly libunwind's frames. */
__attribute__((cold, noinline)) static void verify(const uintptr_t *fast, unsigned n, unsigned max,
						   bool may_load)
{
	uintptr_t slow[HG_DEPTH_MAX];
	unsigned m = libunwind_backtrace(slow, max, may_load);
	unsigned i = 0;
	while (i < n && i < m && fast[i] == slow[i])
		i++;
	if (i == n && i == m)
		return;
	char buf[1024];
	size_t len = hg_fmt(buf, sizeof(buf),
			    "heapguard: unwind_verify: fast unwinder gives %u frames, libunwind %u; "
			    "frame %u differs:", n, m, i);
	for (unsigned k = i; k < n && k < i + 3; k++)
		len += hg_fmt(buf + len, sizeof(buf) - len, " fast#%u=0x%zx", k, (size_t)fast[k]);
	for (unsigned k = i; k < m && k < i + 3; k++)
		len += hg_fmt(buf + len, sizeof(buf) - len, " libunwind#%u=0x%zx", k, (size_t)slow[k]);
	len += hg_fmt(buf + len, sizeof(buf) - len, "\n");
	hg_os_write(2, buf, len);
}

static unsigned unwind(uintptr_t *pcs, unsigned max, bool may_load)
{
	if (!hg_stack_ready || max == 0)
		return 0;
	if (max > HG_DEPTH_MAX)
		max = HG_DEPTH_MAX;
	int n = hg_cfi_backtrace(pcs, max);
	if (n < 0)
		return libunwind_backtrace(pcs, max, may_load);
	if (HG_UNLIKELY(hg_config.options.unwind_verify))
		verify(pcs, (unsigned)n, max, may_load);
	return (unsigned)n;
}

unsigned hg_unwind(uintptr_t *pcs, unsigned max)
{
	return unwind(pcs, max, false);
}

unsigned hg_unwind_capture(uintptr_t *pcs, unsigned max)
{
	return unwind(pcs, max, true);
}

/* heapguard's exit handler's caller frame (see hg_unwind_exit_entry). */
#define HG_EXIT_BYTES_MAX 64
static uintptr_t exit_entry_ra, exit_entry_sp, exit_entry_bp;

void hg_unwind_exit_entry(uintptr_t ra, uintptr_t sp, uintptr_t bp)
{
	exit_entry_ra = ra;
	exit_entry_sp = sp;
	exit_entry_bp = bp;
}

/* The frames above exit() come from the CFI walk (libunwind, when the walk
 * fails and it is already loaded: exit may run in a signal handler, or
 * with a lock of heapguard's held, where nothing may be loaded).  The walk
 * starts at the exit handler's caller, as a capture starts at malloc's
 * (hg_self.entry_*): each frame the walk meets for the first time costs
 * it a page of its rule cache, and heapguard's own frames are five. */
uintptr_t hg_unwind_exit_caller_sp(uintptr_t from_sp)
{
	if (!hg_stack_ready)
		return from_sp;
	/* The handler is called by __run_exit_handlers, called by exit:
	 * three frames are enough. */
	uintptr_t pcs[3];
	struct hg_thread *self = &hg_self;
	uintptr_t ra = self->entry_ra, sp = self->entry_sp, bp = self->entry_bp;
	if (exit_entry_ra != 0 && exit_entry_sp > from_sp) {
		self->entry_ra = exit_entry_ra;
		self->entry_sp = exit_entry_sp;
		self->entry_bp = exit_entry_bp;
	}
	int n = hg_cfi_backtrace_once(pcs, 3);
	self->entry_ra = ra;
	self->entry_sp = sp;
	self->entry_bp = bp;
	if (n < 0)
		n = (int)libunwind_backtrace(pcs, 3, false);
	/* exit() is a few instructions ending in its call of
	 * __run_exit_handlers (26 bytes in glibc 2.36), and the frames are
	 * the handler's callers: the return address into exit is the one
	 * just past exit's entry: its address, bound when heapguard was
	 * loaded (a dlsym here was a symbol lookup in every fork child that
	 * scanned for leaks).  A program that defines its own exit() gives
	 * no frame there: the scan then starts from the handler's frame. */
	uintptr_t entry = (uintptr_t)&exit;
	for (int i = 0; i + 1 < n; i++) {
		if (pcs[i] - 1 - entry >= HG_EXIT_BYTES_MAX)
			continue;
		/* pcs[i + 1] returns into exit()'s caller: the word that holds it
		 * is the top of exit()'s frame. */
		uintptr_t want = pcs[i + 1];
		const uintptr_t *slot = (const uintptr_t *)((from_sp + 7) & ~(uintptr_t)7);
		for (unsigned k = 0; k < 8192; k++)
			if (slot[k] == want)
				return (uintptr_t)(slot + k + 1);
		break;
	}
	return from_sp;
}

/* ---- loading ----
 * Not at start: most short processes never need libunwind (the CFI walk
 * handles their frames), and loading it with its own dependency (liblzma)
 * and probing its pipe cost about as much as the rest of a small process's
 * life.  It is loaded the first time the CFI walk gives up on a capture
 * (hg_unwind_capture: an allocation's or a free's stack, taken in
 * preload/api.c after the heap has done its work, with no lock of
 * heapguard's held), never from a diagnostic or exit (hg_unwind), which
 * may run with the heap's locks held or in a signal handler: there dlopen,
 * which allocates and takes the loader's locks, could deadlock.  A load
 * is inside_libunwind (a fork waits for it to finish); what dlopen and
 * libunwind's first walk allocate is heapguard's own (hg_self.unwinding,
 * set by every capture). */

__attribute__((cold, noinline)) static bool libunwind_load(void)
{
	int state = __atomic_load_n(&load_state, __ATOMIC_ACQUIRE);
	if (state == LOAD_DONE || state == LOAD_FAILED)
		return state == LOAD_DONE;
	hg_lock_acquire(&load_lock);
	if (load_state != LOAD_NONE)
		goto out;
	load_state = LOAD_BUSY;
	bool unwinding = hg_self.unwinding;
	hg_self.unwinding = true;		/* what dlopen allocates is ours */
	/* The descriptors open before libunwind's first walk, to find the
	 * pipe that walk opens. */
	static struct fd_set_bits before;
	bool listed = open_fds(&before);
	void *handle = dlopen(HG_LIBUNWIND_SONAME, RTLD_LAZY | RTLD_LOCAL);
	int (*fn)(void **, int) =
		handle != NULL ? (int (*)(void **, int))dlsym(handle, "unw_backtrace") : NULL;
	if (handle == NULL)
		hg_fmt_fd(2, "heapguard: cannot load %s (%s): stacks the fast unwinder cannot "
			     "walk will be empty\n", HG_LIBUNWIND_SONAME, dlerror());
	else if (fn == NULL)
		hg_fmt_fd(2, "heapguard: %s has no unw_backtrace: stacks the fast unwinder "
			     "cannot walk will be empty\n", HG_LIBUNWIND_SONAME);
	if (fn != NULL) {
		/* The first call sets up libunwind's caches (and may allocate). */
		void *warm[4];
		fn(warm, 4);
		if (listed)
			find_validation_pipe(&before);
		if (hg_config.options.verbose)
			hg_fmt_fd(2, "heapguard: loaded %s\n", HG_LIBUNWIND_SONAME);
		__atomic_store_n(&unw_backtrace_fn, fn, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&load_state, fn != NULL ? LOAD_DONE : LOAD_FAILED, __ATOMIC_RELEASE);
	hg_self.unwinding = unwinding;
out:
	hg_lock_release(&load_lock);
	return load_state == LOAD_DONE;
}

/* From the library constructor: stacks are on.  libunwind is loaded at its
 * first use (above), or now for unwind_verify=1, which compares every
 * capture with it. */
void hg_stack_init(void)
{
	dl_iterate_phdr(find_own_text, (void *)(uintptr_t)&hg_stack_init);
	if (own_text_hi == 0)
		return;
	__atomic_store_n(&hg_stack_ready, true, __ATOMIC_RELEASE);
	if (hg_config.options.unwind_verify)
		libunwind_load();
}
