/* SPDX-License-Identifier: MIT */
/* Telling heapguard's faults from the program's: a fault whose address is
 * in a sampled slot's guard or freed page, or in a quarantined block's
 * protected pages, is reported at the access, as a read or a write (bit 1
 * of the x86-64 page-fault error code), with the access's stack walked
 * from the faulting instruction; any other goes on to crash.c's handling,
 * as if heapguard had not looked. */
#define _GNU_SOURCE
#include "fault.h"

#include <string.h>
#include <ucontext.h>

#include "../lib/lib.h"
#include "protect.h"
#include "sample.h"

static void (*our_handler)(int, siginfo_t *, void *);
static bool faults_on;

void hg_guard_fault_handler(void (*handler)(int, siginfo_t *, void *))
{
	our_handler = handler;
	__atomic_store_n(&faults_on, handler != NULL, __ATOMIC_RELEASE);
}

static bool still_ours(int sig)
{
	struct sigaction cur;
	return sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
	       cur.sa_sigaction == our_handler;
}

bool hg_guard_faults_on(void)
{
	if (!__atomic_load_n(&faults_on, __ATOMIC_ACQUIRE))
		return false;
	if (still_ours(SIGSEGV) && still_ours(SIGBUS))
		return true;
	__atomic_store_n(&faults_on, false, __ATOMIC_RELEASE);
	return false;
}

bool hg_guard_faults_wanted(void)
{
	if (hg_config.skipped)
		return false;
	return hg_config.options.sample > 0 ||
	       (hg_config.options.level == 1 && hg_config.options.quarantine > 0);
}

bool hg_guard_fault(int sig, const siginfo_t *info, void *uctx)
{
	if ((sig != SIGSEGV && sig != SIGBUS) || info == NULL || info->si_code <= 0 || uctx == NULL)
		return false;
	uintptr_t addr = (uintptr_t)info->si_addr;
	struct hg_sample_hit hit;
	bool sampled = hg_sample_classify(addr, &hit);
	struct hg_chunk *c = sampled ? hit.c : hg_protect_find(addr);
	if (c == NULL)
		return false;
	const mcontext_t *mc = &((const ucontext_t *)uctx)->uc_mcontext;
	bool write = (mc->gregs[REG_ERR] & 2) != 0;
	/* The access's stack: the walk starts at the faulting instruction
	 * (one past it, as a return address is read), with its stack and
	 * frame pointers, as it starts at a malloc-family call's caller. */
	struct hg_thread *t = &hg_self;
	uintptr_t ra = t->entry_ra, sp = t->entry_sp, bp = t->entry_bp;
	t->entry_ra = (uintptr_t)mc->gregs[REG_RIP] + 1;
	t->entry_sp = (uintptr_t)mc->gregs[REG_RSP];
	t->entry_bp = (uintptr_t)mc->gregs[REG_RBP];
	char *mem = hg_chunk2mem(c);
	ptrdiff_t offset = (ptrdiff_t)(addr - (uintptr_t)mem);
	if (sampled) {
		hg_sample_expose(addr, &hit, false);
		if (hit.kind == HG_SAMPLE_FREED)
			hg_diag_access_freed(mem, c, (void *)addr, offset, write, true);
		else
			hg_diag_access_outside(mem, c, (void *)addr, offset, hit.requested, write,
					       hit.kind == HG_SAMPLE_UNDERFLOW);
		hg_sample_expose(addr, &hit, true);
	} else {
		hg_diag_access_freed(mem, c, (void *)addr, offset, write, false);
		hg_protect_open(c);
	}
	t->entry_ra = ra;
	t->entry_sp = sp;
	t->entry_bp = bp;
	return true;
}
