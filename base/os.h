/* SPDX-License-Identifier: MIT */
/* The only code that talks to the kernel for memory (mmap, munmap, mremap,
 * mprotect, madvise, brk) and raw output.  Nothing here allocates. */
#ifndef HG_OS_H
#define HG_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern size_t hg_page_size;

void hg_os_init(void);
/* heapguard's own program headers (an array of ElfW(Phdr), from its ELF
 * header in its first loaded page), their count, and its load bias. */
const void *hg_os_own_phdrs(unsigned *count, uintptr_t *bias);
/* Map heapguard's code and read-only data in one call (MADV_POPULATE_READ,
 * Linux 5.14; nothing where the kernel has none), once per process: at
 * start, and at a fork child's exit, whose page tables hold none of them.
 * A page fault cost 17-40 us on the virtual machine this was measured on
 * (Firecracker), where this maps a page for 0.5 us; a short process took
 * four to six faults on these pages, each 64 KiB of them. */
void hg_os_map_own_code(void);
void *hg_os_map(size_t size, bool huge);		     /* RW anonymous; NULL on failure */
void *hg_os_reserve(size_t size);		     /* PROT_NONE, no swap reserve */
bool hg_os_commit(void *addr, size_t size);		     /* make RW */
bool hg_os_protect(void *addr, size_t size);		     /* PROT_NONE, pages kept */
void hg_os_decommit(void *addr, size_t size);	     /* back to PROT_NONE, pages dropped */
void hg_os_unmap(void *addr, size_t size);
void *hg_os_remap(void *addr, size_t old_size, size_t new_size); /* NULL on failure */
void hg_os_purge(void *addr, size_t size);		     /* MADV_DONTNEED */
void hg_os_advise_huge(void *addr, size_t size);	     /* MADV_HUGEPAGE (THP) */
/* Guard markers (MADV_GUARD_INSTALL, Linux 6.13): an access to the range
 * faults (SIGSEGV) as under PROT_NONE, but the mapping is not split in
 * two VMAs, and each fork copies none; installing drops the pages.
 * False where the kernel has none, or refuses (a locked mapping). */
bool hg_os_guard(void *addr, size_t size);
bool hg_os_unguard(void *addr, size_t size);		     /* markers gone: zero pages */
/* Which pages of [addr, addr + pages pages) are resident: one byte each in
 * vec, bit 0 set if so (mincore); false if the range is not all mapped. */
bool hg_os_residency(const void *addr, size_t pages, unsigned char *vec);
size_t hg_os_resident(const void *addr, size_t size);	     /* bytes resident (mincore) */
/* The process's resident set in bytes (/proc/self/statm), 0 if unknown;
 * opens and closes one descriptor, allocates nothing, is no cancellation
 * point. */
size_t hg_os_rss(void);
void *hg_os_sbrk(ptrdiff_t increment);		     /* (void *)-1 on failure */
/* Whole buffer, EINTR-safe.  fd 2 means heapguard's stderr: fd 2 while it
 * is open, else the file stderr was when the program closed it (noted by
 * hg_os_stderr_keep) reopened, if it is a regular file or a terminal. */
void hg_os_write(int fd, const char *buf, size_t len);
/* Note the file fd 2 names before the program closes it (preload/'s fclose). */
void hg_os_stderr_keep(void);
bool hg_os_random(void *buf, size_t len);
int hg_os_ncpus(void);
/* Calls visit for each entry of directory path whose name is a number
 * (a /proc listing: tasks, descriptors) without allocating; false if the
 * directory could not be read to its end.  The listing's own descriptor is
 * left out of /proc/self/fd. */
bool hg_os_each_number(const char *path, void (*visit)(long number, void *ctx), void *ctx);

#endif
