/* SPDX-License-Identifier: MIT */
/* Reporting heap errors: one reporter per error heapguard detects, each the
 * only place its sentences and glibc's message for it are written, one line
 * format, one policy (check=).  Nothing here allocates or takes an arena
 * lock, so it works on a heap that is already corrupt.  A leaf: what it
 * needs from the layers above (the chunk's bounds and owners, stacks, the
 * reports before an abort) comes through hg_diag_hooks, which preload/ fills. */
#ifndef HG_DIAG_H
#define HG_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hg_chunk;

/* Every reporter, by name: hg_diag_<name> is declared below, with
 * HG_REPORTER in front.  tests/unit/test_diag.c builds its death tests from
 * this list (a reporter without one does not compile) and checks that the
 * declarations and the list agree. */
#define HG_DIAG_REPORTERS(X)       \
	X(free_misaligned)         \
	X(free_foreign)            \
	X(free_interior)           \
	X(free_no_chunk)           \
	X(double_free)             \
	X(double_free_quarantined) \
	X(double_free_isolated)    \
	X(double_free_unmapped)    \
	X(use_after_free)          \
	X(header_overwritten)      \
	X(header_after_broken)     \
	X(size_impossible)         \
	X(mmap_header)             \
	X(mmap_unknown)            \
	X(mmap_bad_mapping)        \
	X(canary)                  \
	X(trailer)                 \
	X(freed_header)            \
	X(freed_trailer)           \
	X(freed_fill)              \
	X(access_outside)          \
	X(access_freed)            \
	X(next_header)             \
	X(prev_size)               \
	X(unlink_header)           \
	X(unlink_prev_size)        \
	X(unlink_links)            \
	X(unlink_nextsize)         \
	X(bin_link)                \
	X(bin_walk)                \
	X(tcache_entry)            \
	X(tcache_next)             \
	X(fastbin_entry)           \
	X(fastbin_next)            \
	X(fastbin_double_free)     \
	X(free_top)                \
	X(free_past_top)           \
	X(top_size)                \
	X(top_break)               \
	X(heap_walk)

/* The op of what heapguard finds on its own at exit, not in a call the
 * program made: the first line says "at exit (heap check)", not "in …()". */
#define HG_DIAG_AT_EXIT "at exit (heap check)"

/* Each reporter writes one diagnostic about mem (the program's pointer, or
 * a chunk's user address) and returns only when check= says to continue,
 * and then reports each (kind, address) once.  c, where a reporter takes
 * it, is a chunk header whose bounds, request and owners the diagnostic
 * shows; op is the call the program made ("free", "realloc", ...).  The
 * kind each reports (heapguard(7)) is in brackets. */
#define HG_REPORTER __attribute__((cold, noinline))

/* ---- a pointer given to free, realloc or malloc_usable_size ---- */
/* [invalid-free] not 16-byte aligned */
HG_REPORTER void hg_diag_free_misaligned(const void *mem, const char *op);
/* [invalid-free] not in heapguard's memory at all */
HG_REPORTER void hg_diag_free_foreign(const void *mem, const char *op);
/* [invalid-free] offset bytes inside the block of chunk c */
HG_REPORTER void hg_diag_free_interior(const void *mem, const struct hg_chunk *c, const char *op,
				       size_t offset);
/* [invalid-free] in heapguard's memory, but no chunk starts there (the
 * header word read where its header would be: found) */
HG_REPORTER void hg_diag_free_no_chunk(const void *mem, const char *op, size_t found);
/* [double-free] already free in a thread cache, a bin or top; fast: the
 * chunk has a fastbin's size (glibc's message differs) */
HG_REPORTER void hg_diag_double_free(const void *mem, const struct hg_chunk *c, const char *op,
				     bool fast);
/* [double-free] already freed, waiting in the quarantine */
HG_REPORTER void hg_diag_double_free_quarantined(const void *mem, const struct hg_chunk *c,
						 const char *op);
/* [double-free] already freed and isolated after an earlier error */
HG_REPORTER void hg_diag_double_free_isolated(const void *mem, const struct hg_chunk *c,
					      const char *op);
/* [double-free] a block mmap'd on its own, already unmapped */
HG_REPORTER void hg_diag_double_free_unmapped(const void *mem, const char *op);
/* Where a freed block that the program used again was found. */
enum hg_diag_freed {
	HG_DIAG_FREED_CACHED,	   /* free: in a thread cache, a bin or top */
	HG_DIAG_FREED_QUARANTINED, /* in level=full's quarantine */
	HG_DIAG_FREED_ISOLATED,	   /* isolated after an earlier error */
	HG_DIAG_FREED_UNMAPPED,	   /* mmap'd on its own and unmapped; c is NULL */
};
/* [use-after-free] a call that reads a block (malloc_usable_size) was given
 * one already freed; c as for the double frees, NULL when unmapped */
HG_REPORTER void hg_diag_use_after_free(const void *mem, const struct hg_chunk *c, const char *op,
					enum hg_diag_freed where);
/* [header-corruption] the block's own header does not verify (reads head) */
HG_REPORTER void hg_diag_header_overwritten(const void *mem, const char *op, size_t head);
/* [header-corruption] the heap walk towards the block stopped at a chunk
 * header that does not verify, at broken */
HG_REPORTER void hg_diag_header_after_broken(const void *mem, const char *op, const void *broken);
/* [header-corruption] the header verifies but its size cannot be */
HG_REPORTER void hg_diag_size_impossible(const void *mem, const char *op, size_t size);
/* [mmap-corruption] the header of a block mmap'd on its own does not
 * verify: head and prev_size (the offset to its mapping) as read */
HG_REPORTER void hg_diag_mmap_header(const void *mem, const char *op, size_t head,
				     size_t prev_size);
/* [mmap-corruption] the header says mmap'd; heapguard made no such mapping */
HG_REPORTER void hg_diag_mmap_unknown(const void *mem, const char *op);
/* [invalid-free] unmapping (remap: resizing) a block mmap'd on its own
 * whose header does not describe a mapping: it would start offset bytes
 * before the chunk and be size bytes long */
HG_REPORTER void hg_diag_mmap_bad_mapping(const void *mem, const char *op, size_t offset,
					 size_t size, bool remap);

/* ---- level=full: canary, trailer, fill ---- */
/* [heap-overflow] the canary byte at offset (past requested) is found, not
 * expected */
HG_REPORTER void hg_diag_canary(const void *mem, const struct hg_chunk *c, const char *op,
				size_t requested, size_t offset, unsigned found, unsigned expected);
/* [heap-overflow] the bookkeeping after the canary, at offset, does not
 * verify */
HG_REPORTER void hg_diag_trailer(const void *mem, const struct hg_chunk *c, const char *op,
				 size_t offset);
/* [write-after-free] a quarantined chunk's header changed (now head) */
HG_REPORTER void hg_diag_freed_header(const void *mem, const char *op, size_t head);
/* [write-after-free] the last bytes of a freed block, at offset, changed;
 * found: those bytes as read now */
HG_REPORTER void hg_diag_freed_trailer(const void *mem, const struct hg_chunk *c, const char *op,
				       size_t offset, unsigned bytes, const unsigned char *found);
/* [write-after-free] the fill bytes from offset first to last (both
 * changed) are found[0 .. last-first], not fill */
HG_REPORTER void hg_diag_freed_fill(const void *mem, const struct hg_chunk *c, const char *op,
				    size_t first, size_t last, const unsigned char *found,
				    unsigned fill);

/* ---- an access caught at the instruction (a guard page, or the
 * inaccessible pages of a freed block: guard/fault.c) ----
 * addr: the faulting address; offset: addr minus mem (negative before the
 * block); write: the access was a write; the calling thread's stack is the
 * access's (guard/fault.c starts it at the faulting instruction).
 * [heap-overflow] the guard page after (underflow: before) sampled block
 * mem of requested bytes */
HG_REPORTER void hg_diag_access_outside(const void *mem, const struct hg_chunk *c,
					const void *addr, ptrdiff_t offset, size_t requested,
					bool write, bool underflow);
/* [use-after-free] block mem was freed and its pages made inaccessible:
 * a sampled slot's, or (sampled false) a big block's in the quarantine */
HG_REPORTER void hg_diag_access_freed(const void *mem, const struct hg_chunk *c, const void *addr,
				      ptrdiff_t offset, bool write, bool sampled);

/* ---- the heap's own structures ---- */
/* [header-corruption] the header of the chunk after the one being freed or
 * reallocated, at next, does not verify; fast: that one has a fastbin's
 * size (glibc's message differs) */
HG_REPORTER void hg_diag_next_header(const void *mem, const char *op, const void *next, bool fast);
/* [header-corruption] chunk c says the one before it is free, but its
 * prev_size leads to prev, not a free chunk of that size */
HG_REPORTER void hg_diag_prev_size(const void *mem, const struct hg_chunk *c, const char *op,
				   size_t prev_size, const void *prev);
/* [header-corruption] a chunk being unlinked from its bin does not verify */
HG_REPORTER void hg_diag_unlink_header(const void *mem);
/* [header-corruption] ... or the next chunk's prev_size is not its size */
HG_REPORTER void hg_diag_unlink_prev_size(const void *mem, const struct hg_chunk *c,
					  size_t prev_size, size_t size);
/* [freelist-corruption] ... or its fd and bk do not link back to it */
HG_REPORTER void hg_diag_unlink_links(const void *mem, const struct hg_chunk *c, const void *fd,
				      const void *bk);
/* [freelist-corruption] ... or its fd_nextsize and bk_nextsize do not */
HG_REPORTER void hg_diag_unlink_nextsize(const void *mem, const struct hg_chunk *c,
					 const void *fd_nextsize, const void *bk_nextsize);

/* Which link of a bin hg_diag_bin_link found broken (each has glibc's
 * message for the same check). */
enum hg_diag_bin {
	HG_DIAG_UNSORTED_HEAD,	     /* free: the first chunk's back link */
	HG_DIAG_UNSORTED_SIZE,	     /* malloc: the oldest chunk's header or size */
	HG_DIAG_UNSORTED_NEXT_SIZE,  /* ... the chunk after it is not in the heap */
	HG_DIAG_UNSORTED_PREV_SIZE,  /* ... that chunk's prev_size */
	HG_DIAG_UNSORTED_LINKS,	     /* ... its links */
	HG_DIAG_UNSORTED_PREV_INUSE, /* ... that chunk's P bit */
	HG_DIAG_SMALL_HEAD,	     /* insert: a small bin's first chunk */
	HG_DIAG_SMALL_TAIL,	     /* take: a small bin's last chunk or its back link */
	HG_DIAG_LARGE_FIRST,	     /* take: a large bin's first chunk */
	HG_DIAG_LARGE_SIZE_WALK,     /* take: a large bin's size list */
	HG_DIAG_LARGE_SIZES,	     /* insert: the size list's link to the largest */
	HG_DIAG_LARGE_LINKS,	     /* insert: the links around the new place */
	HG_DIAG_BIN_COUNT
};
/* [freelist-corruption] a bin does not hold together at mem's chunk */
HG_REPORTER void hg_diag_bin_link(const void *mem, const char *op, enum hg_diag_bin check);
/* [freelist-corruption] walking bin number bin: chunk is not a free chunk
 * linked back to its predecessor */
HG_REPORTER void hg_diag_bin_walk(const void *mem, const char *op, unsigned bin, const void *chunk);
/* [freelist-corruption] the thread cache for size-byte chunks leads to
 * chunk, which is not a free chunk of that size */
HG_REPORTER void hg_diag_tcache_entry(const void *mem, const char *op, size_t size,
				      const void *chunk);
/* [freelist-corruption] cached chunk c's next pointer decodes to next,
 * which is misaligned */
HG_REPORTER void hg_diag_tcache_next(const void *mem, const struct hg_chunk *c, const char *op,
				     const void *next);
/* [freelist-corruption] as hg_diag_tcache_entry, for a fastbin;
 * consolidating: found by malloc_consolidate (glibc's message differs) */
HG_REPORTER void hg_diag_fastbin_entry(const void *mem, const char *op, size_t size,
				       const void *chunk, bool consolidating);
/* [freelist-corruption] as hg_diag_tcache_next, for a fastbin */
HG_REPORTER void hg_diag_fastbin_next(const void *mem, const struct hg_chunk *c, const char *op,
				      const void *next, bool consolidating);
/* [double-free] the chunk being freed already heads its fastbin */
HG_REPORTER void hg_diag_fastbin_double_free(const void *mem);
/* [invalid-free] the chunk being freed is the arena's top chunk */
HG_REPORTER void hg_diag_free_top(const void *mem);
/* [invalid-free] the chunk being freed ends past the arena's top chunk */
HG_REPORTER void hg_diag_free_past_top(const void *mem);
/* [top-corruption] top's header says size bytes (its checksum verifying
 * or not) but its memory ends extent bytes after it */
HG_REPORTER void hg_diag_top_size(const void *mem, const char *op, size_t size, bool checksum_ok,
				  size_t extent);
/* [top-corruption] growing the main arena, the program break was found at
 * brk, below the end of its heap at heap_end (someone else moved it); top
 * is the top chunk */
HG_REPORTER void hg_diag_top_break(const void *top, const void *brk, const void *heap_end);
/* [header-corruption] heapguard_check_heap's walk met a chunk header, at
 * chunk, that does not verify (reads head) */
HG_REPORTER void hg_diag_heap_walk(const void *mem, const char *op, const void *chunk, size_t head);

/* Where a chunk described by describe_chunk is. */
enum hg_diag_state {
	HG_DIAG_STATE_IN_USE,	/* the program's */
	HG_DIAG_STATE_FREED,	/* freed by the program, held (quarantine, isolated) */
	HG_DIAG_STATE_FREE,	/* free in a thread cache, a bin or top */
};

/* What a diagnostic shows of a chunk: its bounds, and at level=full the
 * request and who allocated and freed it. */
struct hg_diag_chunk {
	enum hg_diag_state state;	    /* from its header */
	size_t size;			    /* chunk bytes, from its header */
	bool has_requested;		    /* level=full: requested is known */
	size_t requested;		    /* bytes the program asked for */
	uint32_t alloc_stack, free_stack;   /* stack ids, 0: none recorded */
	unsigned alloc_thread, free_thread; /* heapguard thread numbers */
};

/* The layers above, as the writer sees them; a NULL member is skipped.
 * Constant and set at link time, so it is in place for the first malloc. */
struct hg_diag_hooks {
	void (*describe_chunk)(const struct hg_chunk *c, struct hg_diag_chunk *out);
	/* The owners recorded for the chunk at c, read without its header
	 * (which may not verify): stacks and threads only; false when none. */
	bool (*chunk_owners)(const struct hg_chunk *c, struct hg_diag_chunk *out);
	/* The chunk whose end is c (the block below it in memory), by a walk
	 * that trusts only headers that verify; NULL when there is none. */
	const struct hg_chunk *(*chunk_below)(const struct hg_chunk *c);
	unsigned (*thread_number)(void); /* the calling thread's, 1 = main */
	/* The calling thread's stack from the program's frame, at most max. */
	unsigned (*unwind)(uintptr_t *pcs, unsigned max);
	/* A recorded stack's frames; 0 when id names none. */
	unsigned (*stack_frames)(uint32_t id, const uintptr_t **pcs);
	/* One frame as "    #i 0xPC in function+0xOFF (module+0xOFF)\n". */
	size_t (*format_frame)(char *buf, size_t len, unsigned i, uintptr_t pc);
	/* The process is about to abort: write what it would write at exit. */
	void (*before_abort)(void);
	/* A stack's id in the depot (0: none kept), for the errors kept. */
	uint32_t (*stack_id)(const uintptr_t *pcs, unsigned n);
};
extern const struct hg_diag_hooks hg_diag_hooks;

/* The process is dying of a signal (signame, "SIGABRT"), and heapguard
 * checks the heap from its handler (report/crash.c): from now on every
 * diagnostic is printed (as check= says) and ends with "found while the
 * process was dying of SIGABRT", none aborts, none waits long for the
 * writer's lock (another thread may hold it for ever), and each (kind,
 * address) already reported is not reported again. */
void hg_diag_dying(const char *signame);

/* heapguard itself is aborting after a diagnostic (check=2 or 3): the
 * SIGABRT that follows is its own, already explained. */
bool hg_diag_aborting(void);

/* A forked child: the reporter's own lock may have been held by a thread
 * that does not exist there. */
void hg_diag_fork_child(void);

/* How many errors were reported, under any check= (for heapguard_check_heap,
 * the process record, error_exitcode and tests). */
extern unsigned long hg_errors_reported;

/* The first errors of the process, in time, for the leak report's error
 * records; the rest are only counted (hg_errors_reported). */
#define HG_DIAG_ERRORS_KEPT 64
struct hg_diag_error {
	unsigned kind;				/* hg_diag_kind_name() names it */
	uintptr_t address;			/* the pointer the diagnostic names */
	uint32_t stack, alloc_stack, free_stack; /* where found, allocated, freed; 0: unknown */
	char message[256];			/* first line, without "heapguard: " */
};
/* The errors kept so far, *list pointing at the first. */
unsigned hg_diag_errors(const struct hg_diag_error **list);
/* A kind's stable name ("double-free"). */
const char *hg_diag_kind_name(unsigned kind);

/* A line of heapguard's own (the exit summary): to stderr when to_stderr,
 * and to log= when set. */
void hg_diag_say(const char *buf, size_t len, bool to_stderr);

#endif
