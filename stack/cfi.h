/* SPDX-License-Identifier: MIT */
/* Stack capture without libunwind's per-frame cost: a walk by the module's
 * DWARF CFI, each return address's rule derived once and cached.  Returns
 * -1 whenever a frame is outside what it handles; the caller then asks
 * libunwind (stack/unwind.c). */
#ifndef HG_CFI_H
#define HG_CFI_H

#include <stdint.h>

/* The calling thread's return addresses, innermost first, heapguard's own
 * leading frames skipped: their count (at most max), or -1 to fall back. */
int hg_cfi_backtrace(uintptr_t *pcs, unsigned max);
/* The same for a walk made once (exit's): it neither uses nor keeps a
 * memo, so a thread that never captured a stack maps no memo table, and
 * keeps no rule it derives, so a fork child maps no rule table for it. */
int hg_cfi_backtrace_once(uintptr_t *pcs, unsigned max);

/* The depot id of the stack a capture from the current malloc-family
 * entry frame would get, if the last walk from that frame is known to
 * give it again; 0 if not (walk).  After a walk whose stack got id,
 * hg_cfi_memo_set(id) remembers it. */
uint32_t hg_cfi_memo_get(unsigned max);
void hg_cfi_memo_set(uint32_t id);

/* The calling thread's counts, since it started: frames walks replayed
 * from the last walk (their words unchanged), replays that stopped at a
 * word that had changed, and rules looked up (one per step not replayed,
 * the last step that ends a stack included). */
struct hg_cfi_stats {
	uint64_t replayed, refused, rules;
};
void hg_cfi_stats(struct hg_cfi_stats *out);

/* The rule cache's mapped tables (stack/cfi.c), for the leak scan to
 * leave out: code addresses and rules only.  Returns how many. */
#define HG_CFI_RANGES 8
unsigned hg_cfi_memory(uintptr_t lo[HG_CFI_RANGES], uintptr_t hi[HG_CFI_RANGES]);

/* The memo tables' pools (stack/cfi.c), for the leak scan to leave out:
 * return addresses, stack addresses and saved rbp values (any data, in
 * code that keeps data in rbp).  Returns how many. */
#define HG_CFI_MEMO_POOLS 64
unsigned hg_cfi_memo_memory(uintptr_t lo[HG_CFI_MEMO_POOLS], uintptr_t hi[HG_CFI_MEMO_POOLS]);

/* The calling thread is exiting: its memos go to a later thread. */
void hg_cfi_thread_exit(void);

void hg_cfi_fork_prepare(void);
void hg_cfi_fork_parent(void);
void hg_cfi_fork_child(void);
/* In every fork child, locks taken at fork or not: new rules go to a
 * table of the child's own, the parent's stay read only, and its first
 * walks write no memo. */
void hg_cfi_fork_inherit(void);

#endif
