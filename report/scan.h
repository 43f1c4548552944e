/* SPDX-License-Identifier: MIT */
/* The conservative reachability scan behind the leak report: other threads
 * paused with a signal (no ptrace), roots read from /proc/self/maps, live
 * chunks marked reachable, indirect or lost as Valgrind and LeakSanitizer
 * define them.  Everything it uses is mmap'd; nothing may call malloc. */
#ifndef HG_SCAN_H
#define HG_SCAN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../format/leaks.h"

/* A live chunk as the report sees it.  Arrays of these are sorted by user. */
struct hg_live {
	uintptr_t user;	  /* the address malloc returned */
	size_t requested; /* bytes asked for (usable at level=fast) */
	uint32_t stack;	  /* allocation stack id, 0 = none */
	uint16_t thread;  /* allocating thread number, 0 = unknown */
	uint8_t kind;	  /* enum hg_leak_kind, set by the scan */
	uint8_t mmapped : 1;   /* an mmap'd chunk */
	uint8_t inherited : 1; /* a fork child's parent's: scanned, not reported */
	uint8_t fresh : 1;     /* handed out since the last checkpoint (N, lib/chunk.h) */
};

/* An address range [lo, hi). */
struct hg_range {
	uintptr_t lo, hi;
};
/* By lo, in place (insertion: a few hundred, mostly sorted; no malloc). */
void hg_scan_sort_ranges(struct hg_range *v, size_t n);

/* Memory of heapguard's own: mmap'd and remembered, so that the scan never
 * takes its own arrays (full of chunk addresses) for roots. */
void *hg_scan_map(size_t len);
void hg_scan_unmap(void *p, size_t len);
/* The same for a piece of which only the first `used` bytes were written:
 * the last one handed out is zeroed, and its room handed out again (a
 * file's buffer, read and done with, becomes the next piece's room). */
void hg_scan_unmap_used(void *p, size_t len, size_t used);
/* A whole (/proc) file in such memory, or NULL; free with hg_scan_unmap. */
char *hg_scan_read_file(const char *path, size_t *len, size_t *map_len);

/* Other threads paused while the heap is walked and scanned. */
struct hg_world {
	unsigned threads;     /* threads that answered the signal */
	unsigned not_stopped; /* signalled threads that did not */
	bool all_answered;
};
/* Pause every other thread of the process (bounded wait: a thread with
 * the signal blocked is counted in not_stopped and keeps running). */
void hg_world_stop(struct hg_world *w);
/* The signal that pauses them: well above glibc's own (32, 33) and the low
 * ones programs pick first.  fork() leaves it unblocked (preload/process.c). */
#define HG_STOP_SIGNAL (SIGRTMAX - 3)
void hg_world_resume(struct hg_world *w);

struct hg_scan_stats {
	uint64_t roots_bytes; /* root memory scanned */
	unsigned threads;     /* threads whose stacks were scanned */
	unsigned not_stopped;
	uint64_t microseconds;
	unsigned faults; /* ranges that faulted while read */
	uint64_t blocks;     /* chunks classified (a fork child: its own, inherited ones too
				when it walked the whole heap) */
	uint64_t heap_bytes; /* a fork child: inherited memory read page by page (written) */
	uint64_t index_bytes; /* the table of the regions that hold blocks (0: none) */
};

/* Every fork's prepare handler: a fork child that knows its blocks notes
 * the pages it wrote so far, which its scan at exit reads as roots and
 * pagemap stops telling once the new child shares them.  Not single-threaded, or
 * a note that failed: lost for good.  hg_scan_fork_noted: every fork of
 * this process was noted.  hg_scan_fork_child: a new child's note is
 * empty. */
void hg_scan_fork_note(bool single_threaded);
bool hg_scan_fork_noted(void);
void hg_scan_fork_child(void);

/* heapguard's static TLS block around a thread's &hg_self, the same in
 * every thread: [&hg_self - below, &hg_self + above). */
struct hg_tls_span {
	uintptr_t below, above;
};
/* Find it (dl_iterate_phdr takes the loader's lock: before hg_world_stop).
 * When heapguard is linked into the executable, whose TLS block is the
 * program's, it is struct hg_thread alone. */
void hg_scan_own_tls(struct hg_tls_span *span);

/* What the caller knows that the scan must leave out or add. */
struct hg_scan_input {
	struct hg_live *chunks; /* sorted by user, kind set here */
	size_t count;
	const struct hg_range *exclude; /* heapguard's heap and memory */
	size_t nexclude;
	struct hg_tls_span tls;	      /* left out of every thread's TLS */
	uintptr_t caller_sp;	      /* the calling thread's stack from here */
	const uintptr_t *caller_regs; /* its callee-saved registers */
	unsigned ncaller_regs;
	/* A fork child that knows its own blocks (then chunks holds only
	 * those): the memory it inherited, its heap's segments and inherited
	 * mmap'd blocks, sorted.  Only the pages it may have written are
	 * roots, less its own chunks: those /proc/self/pagemap (fd pagemap)
	 * shows mapped by this process alone, or swapped out.  A page it has
	 * not written since the fork is still shared with its parent and holds
	 * what the parent wrote before it: no pointer to a block of the child.
	 * Inherited chunks in chunks[] (a whole-heap walk) are roots. */
	const struct hg_range *inherited;
	size_t ninherited;
	int pagemap;
};

/* Classify every chunk.  False if memory could not be had (then every
 * chunk is left "reachable": no false leak). */
bool hg_scan_classify(const struct hg_scan_input *in, const struct hg_world *w,
		      struct hg_scan_stats *stats);
/* The same marking from the given roots alone (less in->exclude), instead
 * of the process's memory, threads and registers: for synthetic heaps (the
 * unit tests).  No thread is paused. */
bool hg_scan_classify_from(const struct hg_scan_input *in, const struct hg_range *roots,
			   size_t nroots, struct hg_scan_stats *stats);

#endif
