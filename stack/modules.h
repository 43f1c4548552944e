/* SPDX-License-Identifier: MIT */
/* The loaded modules (dl_iterate_phdr) at report time: index, load bias,
 * build id and path for the report's module map, and their PT_LOAD spans
 * so that a frame becomes "module+offset".  All memory is mmap'd.  The
 * scan asks hg_modules_contains instead, which takes no list. */
#ifndef HG_MODULES_H
#define HG_MODULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HG_BUILD_ID_HEX 81 /* up to 40 bytes of build id */

struct hg_module {
	uintptr_t base;			/* load bias (l_addr) */
	uintptr_t lo, hi;		/* page-rounded span of its PT_LOADs */
	const char *path;		/* the executable's real path for index 0 */
	char build_id[HG_BUILD_ID_HEX]; /* lowercase hex, "-" if none */
};

/* One PT_LOAD segment, page-rounded, for address lookups. */
struct hg_segment_range {
	uintptr_t lo, hi;
	unsigned module;
	bool writable;
};

struct hg_modules {
	struct hg_module *mods;
	unsigned count;
	struct hg_segment_range *segs; /* sorted by lo */
	unsigned nsegs;
	char *strings;	/* paths */
	size_t map_len; /* one mapping holds all of it */
};

/* Take the module list now (before other threads are paused: it takes the
 * loader's lock).  False if memory could not be had. */
bool hg_modules_load(struct hg_modules *m);
void hg_modules_free(struct hg_modules *m);

/* The segment holding addr, or NULL. */
const struct hg_segment_range *hg_modules_segment(const struct hg_modules *m, uintptr_t addr);

/* Whether addr lies in a loaded module's mapping.  No list is taken: glibc's
 * _dl_find_object reads its own sorted table without a lock, so this runs
 * with other threads paused, and a fork child that never reports reads no
 * module's program headers (a page fault each). */
bool hg_modules_contains(uintptr_t addr);

/* heapguard's own writable segments, page-rounded: up to max of them into
 * lo/hi, and how many.  None when heapguard is linked into the executable
 * (unit tests): its data is then the program's. */
unsigned hg_modules_own_writable(uintptr_t *lo, uintptr_t *hi, unsigned max);

/* dl_iterate_phdr for heapguard's report-time walks, never while fork()
 * copies the process: the walk holds the loader's dl_load_write_lock,
 * which glibc 2.36's fork neither takes nor resets in the child, so a walk
 * in progress in another thread would leave the child's loader list locked
 * for ever.  The fork handler takes the walk's lock (preload/process.c). */
struct dl_phdr_info;
void hg_modules_walk(int (*visit)(struct dl_phdr_info *info, size_t size, void *ctx), void *ctx);
void hg_modules_fork_prepare(void);
void hg_modules_fork_parent(void);
void hg_modules_fork_child(void);

#endif
