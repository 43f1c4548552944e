/* SPDX-License-Identifier: MIT */
/* Reporting heap errors: one function, one line format, one policy (check=).
 * It allocates nothing and takes no arena lock, so it works on a heap that
 * is already corrupt.  A leaf: what it needs from the layers above (the
 * chunk's bounds and owners, stacks, the reports before an abort) comes
 * through hg_diag_hooks, which preload/ fills. */
#ifndef HG_DIAG_H
#define HG_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hg_chunk;

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
	HG_ERR_KIND_COUNT
};

const char *hg_error_kind_name(enum hg_error_kind kind);

/* Report an error about addr (the program's pointer, or a chunk's user
 * address).  chunk, when not NULL, is a header that may be read to show the
 * chunk's bounds.  op names the call ("free", "malloc", ...).  detail is one
 * line of specifics (printf format), glibc the message glibc 2.36 prints for
 * the same check, or NULL.  Returns only when check= says to continue, and
 * then reports each (kind, address) once. */
void hg_report(enum hg_error_kind kind, const void *addr, const struct hg_chunk *chunk,
	       const char *op, const char *glibc, const char *detail, ...)
	__attribute__((cold, noinline, format(printf, 6, 7)));

/* What a diagnostic shows of a chunk: its bounds, and at level=full the
 * request and who allocated and freed it. */
struct hg_diag_chunk {
	size_t size;				/* chunk bytes, from its header */
	bool has_requested;			/* level=full: requested is known */
	size_t requested;			/* bytes the program asked for */
	uint32_t alloc_stack, free_stack;	/* stack ids, 0: none recorded */
	unsigned alloc_thread, free_thread;	/* heapguard thread numbers */
};

/* The layers above, as the writer sees them; a NULL member is skipped.
 * Constant and set at link time, so it is in place for the first malloc. */
struct hg_diag_hooks {
	void (*describe_chunk)(const struct hg_chunk *c, struct hg_diag_chunk *out);
	unsigned (*thread_number)(void);	/* the calling thread's, 1 = main */
	/* The calling thread's stack from the program's frame, at most max. */
	unsigned (*unwind)(uintptr_t *pcs, unsigned max);
	/* A recorded stack's frames; 0 when id names none. */
	unsigned (*stack_frames)(uint32_t id, const uintptr_t **pcs);
	/* One frame as "    #i 0xPC in function+0xOFF (module+0xOFF)\n". */
	size_t (*format_frame)(char *buf, size_t len, unsigned i, uintptr_t pc);
	/* The process is about to abort: write what it would write at exit. */
	void (*before_abort)(void);
};
extern const struct hg_diag_hooks hg_diag_hooks;

/* A forked child: the reporter's own lock may have been held by a thread
 * that does not exist there. */
void hg_diag_fork_child(void);

/* How many errors were reported (for heapguard_check_heap and tests). */
extern unsigned long hg_errors_reported;

#endif
