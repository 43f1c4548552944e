/* SPDX-License-Identifier: MIT */
/* libunwind, loaded privately: report/unwind.c owns the handle and the one
 * entry point heapguard calls; report/depot.c stores what it returns. */
#ifndef HG_UNWIND_H
#define HG_UNWIND_H

#include <stdbool.h>
#include <stdint.h>

/* Up to max return addresses of the calling thread, innermost first, with
 * heapguard's own frames (and anything inlined into them) left out. */
unsigned hg_unwind(uintptr_t *pcs, unsigned max);

/* pc lies in heapguard's own code. */
bool hg_unwind_is_ours(uintptr_t pc);

#endif
