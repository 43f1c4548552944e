/* SPDX-License-Identifier: MIT */
/* Stack capture without libunwind's per-frame cost: a walk by the module's
 * DWARF CFI, each return address's rule derived once and cached.  Returns
 * -1 whenever a frame is outside what it handles; the caller then asks
 * libunwind (report/unwind.c). */
#ifndef HG_CFI_H
#define HG_CFI_H

#include <stdint.h>

/* The calling thread's return addresses, innermost first, heapguard's own
 * leading frames skipped: their count (at most max), or -1 to fall back. */
int hg_cfi_backtrace(uintptr_t *pcs, unsigned max);

void hg_cfi_fork_prepare(void);
void hg_cfi_fork_parent(void);
void hg_cfi_fork_child(void);

#endif
