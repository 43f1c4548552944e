/* SPDX-License-Identifier: MIT */
/* A .symtab lookup for the error path: the file is mapped read-only and
 * every offset is checked against its size before it is followed, so a
 * stripped, truncated or foreign file gives "not found", never a crash.
 * The last file looked up stays mapped (a report names one module many
 * times); callers hold the diagnostic lock. */
#define _GNU_SOURCE
#include "symtab.h"

#include "../base/fmt.h"
#include "../base/path.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static struct {
	char path[512];
	const unsigned char *map;
	size_t size;
} cached;

static bool map_file(const char *path)
{
	if (cached.map != NULL && strcmp(cached.path, path) == 0)
		return true;
	if (cached.map != NULL)
		munmap((void *)cached.map, cached.size);
	cached.map = NULL;
	if (strlen(path) >= sizeof(cached.path))
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	void *p = MAP_FAILED;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)sizeof(Elf64_Ehdr))
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return false;
	cached.map = p;
	cached.size = (size_t)st.st_size;
	strcpy(cached.path, path);
	return true;
}

/* [off, off + len) lies inside the file. */
static bool inside(uint64_t off, uint64_t len)
{
	return off <= cached.size && len <= cached.size - off;
}

bool hg_symtab_lookup(const char *path, uintptr_t vaddr, char *name, size_t len,
		      uintptr_t *offset)
{
	if (len == 0 || !map_file(path))
		return false;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)cached.map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !inside(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return false;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(cached.map + eh->e_shoff);
	const Elf64_Sym *best = NULL;
	const char *best_strtab = NULL;
	uint64_t best_strsize = 0;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_entsize != sizeof(Elf64_Sym) ||
		    sh[i].sh_link >= eh->e_shnum || !inside(sh[i].sh_offset, sh[i].sh_size))
			continue;
		const Elf64_Shdr *str = &sh[sh[i].sh_link];
		if (!inside(str->sh_offset, str->sh_size))
			continue;
		const Elf64_Sym *sym = (const Elf64_Sym *)(cached.map + sh[i].sh_offset);
		size_t count = sh[i].sh_size / sizeof(Elf64_Sym);
		for (size_t k = 0; k < count; k++) {
			if (ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC || sym[k].st_shndx == SHN_UNDEF ||
			    sym[k].st_value > vaddr)
				continue;
			if (vaddr - sym[k].st_value >= (sym[k].st_size ? sym[k].st_size : 1))
				continue;
			if (best == NULL || sym[k].st_value > best->st_value) {
				best = &sym[k];
				best_strtab = (const char *)cached.map + str->sh_offset;
				best_strsize = str->sh_size;
			}
		}
	}
	if (best == NULL || best->st_name >= best_strsize)
		return false;
	const char *s = best_strtab + best->st_name;
	size_t n = strnlen(s, best_strsize - best->st_name);
	if (n >= len)
		n = len - 1;
	memcpy(name, s, n);
	name[n] = '\0';
	*offset = vaddr - best->st_value;
	return true;
}

/* One frame as "#N 0xADDR in function+0xOFF (module+0xOFF)": the function
 * from the dynamic symbols (dladdr) or else the module's .symtab; the
 * offset into the module is from its load bias, as addr2line wants it. */
size_t hg_symtab_format_frame(char *buf, size_t len, unsigned i, uintptr_t pc)
{
	Dl_info info;
	struct link_map *map = NULL;
	/* pc is a return address: look up the call instruction. */
	if (dladdr1((void *)(pc - 1), &info, (void **)&map, RTLD_DL_LINKMAP) == 0 || map == NULL)
		return hg_fmt(buf, len, "    #%u 0x%zx in ??\n", i, (size_t)pc);
	const char *module = map->l_name[0] != '\0' ? map->l_name : program_invocation_name;
	char path[512];
	if (map->l_name[0] == '\0') {
		hg_path_exe(path, sizeof(path));
		if (path[0] != '\0')
			module = path;
	}
	uintptr_t vaddr = pc - map->l_addr;
	size_t n = hg_fmt(buf, len, "    #%u 0x%zx in ", i, (size_t)pc);
	char name[256];
	uintptr_t off;
	if (info.dli_sname != NULL)
		n += hg_fmt(buf + n, len - n, "%s+0x%zx", info.dli_sname,
			    (size_t)(pc - (uintptr_t)info.dli_saddr));
	else if (hg_symtab_lookup(module, vaddr - 1, name, sizeof(name), &off))
		n += hg_fmt(buf + n, len - n, "%s+0x%zx", name, (size_t)off + 1);
	else
		n += hg_fmt(buf + n, len - n, "??");
	n += hg_fmt(buf + n, len - n, " (%s+0x%zx)\n", module, (size_t)vaddr);
	return n;
}

bool hg_symtab_function(uintptr_t pc, char *name, size_t len, const char **module)
{
	Dl_info info;
	struct link_map *map = NULL;
	static char exe[512];
	name[0] = '\0';
	*module = "";
	if (dladdr1((void *)(pc - 1), &info, (void **)&map, RTLD_DL_LINKMAP) == 0 || map == NULL)
		return false;
	*module = map->l_name;
	if (map->l_name[0] == '\0') {
		hg_path_exe(exe, sizeof(exe));
		*module = exe;
	}
	uintptr_t off;
	if (info.dli_sname != NULL) {
		size_t n = strnlen(info.dli_sname, len - 1);
		memcpy(name, info.dli_sname, n);
		name[n] = '\0';
		return true;
	}
	return hg_symtab_lookup(*module, pc - map->l_addr - 1, name, len, &off);
}
