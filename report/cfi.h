/* SPDX-License-Identifier: MIT */
/* Stack capture without libunwind's per-frame cost: a walk by the module's
 * DWARF CFI, each return address's rule derived once and cached.  Returns
 * -1 whenever a frame is outside what it handles; the caller then asks
 * libunwind (report/unwind.c). */
#ifndef HG_CFI_H
#define HG_CFI_H

#include <stdbool.h>
#include <stdint.h>

/* heapguard's own frames above a capture, at most (a diagnostic from deep
 * inside the allocator). */
#define HG_CFI_OWN_MAX 16

/* The calling thread's return addresses, innermost first, the leading ones
 * for which own() is true skipped (*nown says how many): their count (at
 * most max), or -1 to fall back. */
int hg_cfi_backtrace(uintptr_t *pcs, unsigned max, bool (*own)(uintptr_t), unsigned *nown);

void hg_cfi_fork_prepare(void);
void hg_cfi_fork_parent(void);
void hg_cfi_fork_child(void);

#endif
