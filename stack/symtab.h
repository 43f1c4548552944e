/* SPDX-License-Identifier: MIT */
/* Names for the program's own functions in diagnostics: dladdr sees only
 * exported symbols, so the module's .symtab is read from its file (mapped,
 * never allocated), as far as it has one. */
#ifndef HG_SYMTAB_H
#define HG_SYMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The function of the ELF file at path that contains the link-time address
 * vaddr: its name (truncated to len) and vaddr's offset into it. */
bool hg_symtab_lookup(const char *path, uintptr_t vaddr, char *name, size_t len,
		      uintptr_t *offset);

/* One frame of a diagnostic, "    #i 0xPC in function+0xOFF (module+0xOFF)\n",
 * written into buf (len bytes); its length. */
size_t hg_symtab_format_frame(char *buf, size_t len, unsigned i, uintptr_t pc);

/* The function containing the call before return address pc (name, cut to
 * len; "" and false when unknown) and its module's path (*module, "" when
 * unknown), for suppressions.  Takes the loader's lock (dladdr). */
bool hg_symtab_function(uintptr_t pc, char *name, size_t len, const char **module);

#endif
