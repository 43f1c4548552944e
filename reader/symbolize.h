/* SPDX-License-Identifier: MIT */
/* Frames of a leak report turned into function, file:line and inline chains,
 * offline, from the modules on disk.  A module is used only when its build id
 * matches the report's: a rebuilt binary would give wrong names, so its
 * frames stay module+offset (with one warning per module). */
#ifndef HG_READER_SYMBOLIZE_H
#define HG_READER_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leak_report.h"

/* One function of an address's inline chain, innermost first. */
struct hg_sym_entry {
	char *function; /* demangled when possible, or NULL */
	char *file;	/* source file, or NULL */
	unsigned line;	/* 0 if unknown */
	bool inlined;	/* inlined into the entry after it */
};

struct hg_sym_frame {
	struct hg_sym_entry *entries;
	unsigned count; /* 0: nothing known, show module+offset */
};

enum hg_sym_backend {
	HG_SYM_NONE, /* --no-symbols */
	HG_SYM_LIBDW,
	HG_SYM_ADDR2LINE,
};

struct hg_symbolizer;

/* The default backend: libdw when built with it, else addr2line. */
enum hg_sym_backend hg_sym_default_backend(void);

struct hg_symbolizer *hg_sym_new(const struct hg_leaks *report, enum hg_sym_backend backend,
				 bool demangle);

/* Resolves every frame of these sites, batched per module; warnings about
 * unusable modules go to stderr once each. */
void hg_sym_resolve(struct hg_symbolizer *sym, const struct hg_leak_site *const *sites, size_t n);

/* The same for stack indices (HG_NO_STACK allowed). */
void hg_sym_resolve_stacks(struct hg_symbolizer *sym, const uint32_t *stacks, size_t n);

/* The resolution of report->frames[index]: empty if never resolved. */
const struct hg_sym_frame *hg_sym_frame(const struct hg_symbolizer *sym, size_t index);

void hg_sym_free(struct hg_symbolizer *sym);

/* --- for the backends (symbolize.c, sym_libdw.c, sym_addr2line.c) --- */

/* Appends an entry (copies the strings); false when out of memory. */
bool hg_sym_push(struct hg_sym_frame *frame, const char *function, const char *file, unsigned line,
		 bool inlined);

/* The demangled form of a C++ symbol (malloc'd), or NULL. */
char *hg_sym_demangle(const char *name);

/* Resolve addrs[i] (addresses in the module's own ELF address space) into
 * out[i]: 0, or -1 and why in err (the frames stay unresolved). */
int hg_sym_libdw_module(const char *path, int fd, const uint64_t *addrs, size_t n,
			struct hg_sym_frame *out, bool demangle, char *err, size_t errlen);
int hg_sym_addr2line_module(const char *path, const uint64_t *addrs, size_t n,
			    struct hg_sym_frame *out, bool demangle, char *err, size_t errlen);

/* The GNU build id of an open ELF file as lowercase hex into hex (size at
 * least 2 * 512 + 1): 1 found, 0 none, -1 not a readable ELF file. */
int hg_elf_build_id(int fd, char *hex, size_t size);

#endif
