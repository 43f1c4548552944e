/* SPDX-License-Identifier: MIT */
/* libunwind is dlopen'ed with RTLD_LOCAL rather than linked: Debian's
 * libunwind.so.8 exports _Unwind_RaiseException and friends and backtrace(),
 * and as a DT_NEEDED of a preloaded library it would sit in the global scope
 * ahead of libgcc_s and libc, replacing C++ exception handling and glibc's
 * backtrace() in the program under test.  Loaded locally, its symbols are
 * seen by heapguard's dlsym only. */
#define _GNU_SOURCE
#include "unwind.h"

#include <dlfcn.h>
#include <link.h>

#include "../lib/fmt.h"
#include "../lib/internal.h"
#include "stack.h"

#ifndef HG_LIBUNWIND_SONAME
#define HG_LIBUNWIND_SONAME "libunwind.so.8"
#endif

bool hg_stack_ready;
static int (*unw_backtrace_fn)(void **buffer, int size);
static uintptr_t own_text_lo, own_text_hi;	/* heapguard's executable segment */

bool hg_unwind_is_ours(uintptr_t pc)
{
	return pc - own_text_lo < own_text_hi - own_text_lo;
}

static int find_own_text(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	uintptr_t probe = (uintptr_t)ctx;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (probe - lo < ph->p_memsz) {
			own_text_lo = lo;
			own_text_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

unsigned hg_unwind(uintptr_t *pcs, unsigned max)
{
	if (!hg_stack_ready || max == 0)
		return 0;
	/* heapguard's frames (malloc, its slow path, the capture) come first;
	 * room for them on top of what is kept. */
	void *buf[HG_DEPTH_MAX + 16];
	unsigned want = max + 16 > HG_DEPTH_MAX + 16 ? HG_DEPTH_MAX + 16 : max + 16;
	int n = unw_backtrace_fn(buf, (int)want);
	unsigned i = 0, kept = 0;
	while (i < (unsigned)n && hg_unwind_is_ours((uintptr_t)buf[i]))
		i++;
	for (; i < (unsigned)n && kept < max; i++)
		pcs[kept++] = (uintptr_t)buf[i];
	return kept;
}

/* From the library constructor: malloc already works (dlopen allocates),
 * and no capture runs until hg_stack_ready is set. */
void hg_stack_init(void)
{
	dl_iterate_phdr(find_own_text, (void *)(uintptr_t)&hg_stack_init);
	void *handle = dlopen(HG_LIBUNWIND_SONAME, RTLD_LAZY | RTLD_LOCAL);
	if (handle == NULL) {
		hg_fmt_fd(2, "heapguard: cannot load %s (%s): no stacks will be recorded\n",
			  HG_LIBUNWIND_SONAME, dlerror());
		return;
	}
	unw_backtrace_fn = (int (*)(void **, int))dlsym(handle, "unw_backtrace");
	if (unw_backtrace_fn == NULL || own_text_hi == 0) {
		hg_fmt_fd(2, "heapguard: %s has no unw_backtrace: no stacks will be recorded\n",
			  HG_LIBUNWIND_SONAME);
		return;
	}
	/* The first call sets up libunwind's caches (and may allocate). */
	uintptr_t warm[4];
	__atomic_store_n(&hg_stack_ready, true, __ATOMIC_RELEASE);
	hg_self.unwinding = true;
	hg_unwind(warm, 4);
	hg_self.unwinding = false;
}
