/* SPDX-License-Identifier: MIT */
/* The libdw symbolizer: each module is reported alone to its own Dwfl at
 * bias 0 (so the report's addresses are the ELF's own, and a hostile report
 * cannot make modules overlap), its separate debug info found the standard
 * way (.gnu_debuglink, /usr/lib/debug/.build-id).  Inline chains come from
 * the DWARF scopes around the address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolize.h"

#ifdef HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

/* The name to show for a function DIE: the linkage name demangled (C++
 * qualified names), else DW_AT_name; both may come from an origin DIE. */
static char *hg_die_function(Dwarf_Die *die, bool demangle)
{
	Dwarf_Attribute attr;
	const char *name;
	char *out;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (name && !demangle)
		return strdup(name);
	if (name && (out = hg_sym_demangle(name)))
		return out;
	/* No demangler: the plain name reads better than the mangled one. */
	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr)) ?: name;
	return name ? strdup(name) : NULL;
}

/* The call site an inlined_subroutine DIE records: file from the CU's table. */
static void hg_die_call_site(Dwarf_Die *cu, Dwarf_Die *die, const char **file, int *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word index, lineno;
	Dwarf_Files *files;
	size_t nfiles;

	*file = NULL;
	*line = 0;
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &index) == 0 &&
	    dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && index < nfiles)
		*file = dwarf_filesrc(files, index, NULL, NULL);
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &lineno) == 0 &&
	    lineno < 1u << 30)
		*line = (int)lineno;
}

static char *hg_symtab_function(Dwfl_Module *mod, Dwarf_Addr addr, bool demangle)
{
	const char *name = dwfl_module_addrname(mod, addr);
	char *out;

	if (name && demangle && (out = hg_sym_demangle(name)))
		return out;
	return name ? strdup(name) : NULL;
}

static void hg_dw_lookup(Dwfl_Module *mod, Dwarf_Addr addr, struct hg_sym_frame *out, bool demangle)
{
	Dwarf_Die *scopes = NULL, *cu;
	Dwarf_Addr bias;
	Dwfl_Line *src = dwfl_module_getsrc(mod, addr);
	const char *file = NULL;
	int line = 0, n = 0, i;
	bool done = false;

	if (src)
		file = dwfl_lineinfo(src, NULL, &line, NULL, NULL, NULL);
	cu = dwfl_module_addrdie(mod, addr, &bias);
	if (cu)
		n = dwarf_getscopes(cu, addr - bias, &scopes);
	for (i = 0; i < n && !done; i++) {
		int tag = dwarf_tag(&scopes[i]);
		char *name;

		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		name = hg_die_function(&scopes[i], demangle);
		if (!name && tag == DW_TAG_subprogram)
			name = hg_symtab_function(mod, addr, demangle);
		hg_sym_push(out, name, file, line > 0 ? (unsigned)line : 0,
			    tag == DW_TAG_inlined_subroutine);
		free(name);
		if (tag == DW_TAG_inlined_subroutine)
			hg_die_call_site(cu, &scopes[i], &file, &line);
		else
			done = true;
	}
	free(scopes);
	if (!done) {
		/* No DWARF subprogram: the ELF symbol table still names it. */
		char *name = hg_symtab_function(mod, addr, demangle);

		if (name || file)
			hg_sym_push(out, name, file, line > 0 ? (unsigned)line : 0, false);
		free(name);
	}
}

int hg_sym_libdw_module(const char *path, int fd, const uint64_t *addrs, size_t n,
			struct hg_sym_frame *out, bool demangle, char *err, size_t errlen)
{
	static const Dwfl_Callbacks callbacks = {
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.section_address = dwfl_offline_section_address,
	};
	Dwfl *dwfl = dwfl_begin(&callbacks);
	Dwfl_Module *mod;
	size_t i;

	if (!dwfl) {
		close(fd);
		snprintf(err, errlen, "libdw: %s", dwfl_errmsg(-1));
		return -1;
	}
	dwfl_report_begin(dwfl);
	/* On success dwfl owns fd (dwfl_end closes it); not on failure. */
	mod = dwfl_report_elf(dwfl, path, path, fd, 0, false);
	dwfl_report_end(dwfl, NULL, NULL);
	if (!mod) {
		snprintf(err, errlen, "libdw: %s", dwfl_errmsg(-1));
		close(fd);
		dwfl_end(dwfl);
		return -1;
	}
	for (i = 0; i < n; i++)
		hg_dw_lookup(mod, addrs[i], &out[i], demangle);
	dwfl_end(dwfl);
	return 0;
}

#else

int hg_sym_libdw_module(const char *path, int fd, const uint64_t *addrs, size_t n,
			struct hg_sym_frame *out, bool demangle, char *err, size_t errlen)
{
	(void)path, (void)addrs, (void)n, (void)out, (void)demangle;
	close(fd);
	snprintf(err, errlen, "this heapguard-report was built without libdw");
	return -1;
}

#endif
