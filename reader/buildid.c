/* SPDX-License-Identifier: MIT */
/* The GNU build id of an ELF file on disk, read with pread and no library, so
 * that both symbolizers (libdw and addr2line) check modules the same way.
 * Handles ELF32 and ELF64 of the host's byte order; every size is bounded. */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbolize.h"

#define HG_NOTES_MAX   (1u << 20) /* a note segment larger than this is not believed */
#define HG_HEADERS_MAX 4096	  /* program or section headers looked at */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HG_ELFDATA ELFDATA2LSB
#else
#define HG_ELFDATA ELFDATA2MSB
#endif

/* A note area's build id, as hex: 1 found, 0 not. */
static int hg_notes_build_id(const unsigned char *notes, size_t size, char *hex, size_t hexsize)
{
	size_t at = 0;

	while (size - at >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		size_t name, desc, i;

		memcpy(&nh, notes + at, sizeof(nh));
		at += sizeof(nh);
		name = ((size_t)nh.n_namesz + 3) & ~(size_t)3;
		desc = ((size_t)nh.n_descsz + 3) & ~(size_t)3;
		if (name > size - at || desc > size - at - name)
			return 0;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    memcmp(notes + at, "GNU", 4) == 0 && nh.n_descsz > 0 &&
		    (size_t)nh.n_descsz * 2 < hexsize) {
			for (i = 0; i < nh.n_descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", notes[at + name + i]);
			return 1;
		}
		at += name + desc;
	}
	return 0;
}

static int hg_area_build_id(int fd, uint64_t offset, uint64_t size, char *hex, size_t hexsize)
{
	unsigned char *notes;
	int found = 0;

	if (size == 0 || size > HG_NOTES_MAX)
		return 0;
	notes = malloc(size);
	if (!notes)
		return 0;
	if (pread(fd, notes, size, (off_t)offset) == (ssize_t)size)
		found = hg_notes_build_id(notes, size, hex, hexsize);
	free(notes);
	return found;
}

/* What both ELF classes' headers say, in one shape. */
struct hg_elf {
	bool is64;
	uint64_t phoff, shoff;
	unsigned phnum, shnum, phentsize, shentsize;
};

struct hg_elf_area {
	uint32_t type; /* PT_NOTE or SHT_NOTE when it holds notes */
	uint64_t offset, size;
};

/* Program header i, or section header i when section: false if unreadable. */
static bool hg_elf_area(int fd, const struct hg_elf *e, bool section, unsigned i,
			struct hg_elf_area *out)
{
	union {
		Elf32_Phdr p32;
		Elf64_Phdr p64;
		Elf32_Shdr s32;
		Elf64_Shdr s64;
	} h;
	size_t size = section ? (e->is64 ? sizeof(h.s64) : sizeof(h.s32))
			      : (e->is64 ? sizeof(h.p64) : sizeof(h.p32));
	unsigned entsize = section ? e->shentsize : e->phentsize;
	uint64_t at = (section ? e->shoff : e->phoff) + (uint64_t)i * entsize;

	if (entsize < size || at > INT64_MAX || pread(fd, &h, size, (off_t)at) != (ssize_t)size)
		return false;
	if (section && e->is64)
		*out = (struct hg_elf_area){ h.s64.sh_type, h.s64.sh_offset, h.s64.sh_size };
	else if (section)
		*out = (struct hg_elf_area){ h.s32.sh_type, h.s32.sh_offset, h.s32.sh_size };
	else if (e->is64)
		*out = (struct hg_elf_area){ h.p64.p_type, h.p64.p_offset, h.p64.p_filesz };
	else
		*out = (struct hg_elf_area){ h.p32.p_type, h.p32.p_offset, h.p32.p_filesz };
	return true;
}

/* The program headers' PT_NOTE first, then the section headers' SHT_NOTE
 * (files without the former, such as separate debug files). */
static int hg_elf_scan(int fd, const struct hg_elf *e, char *hex, size_t size)
{
	struct hg_elf_area area;
	unsigned i;

	for (i = 0; i < e->phnum && i < HG_HEADERS_MAX && hg_elf_area(fd, e, false, i, &area); i++)
		if (area.type == PT_NOTE && hg_area_build_id(fd, area.offset, area.size, hex, size))
			return 1;
	for (i = 0; i < e->shnum && i < HG_HEADERS_MAX && hg_elf_area(fd, e, true, i, &area); i++)
		if (area.type == SHT_NOTE &&
		    hg_area_build_id(fd, area.offset, area.size, hex, size))
			return 1;
	return 0;
}

int hg_elf_build_id(int fd, char *hex, size_t size)
{
	union {
		unsigned char ident[EI_NIDENT];
		Elf32_Ehdr e32;
		Elf64_Ehdr e64;
	} eh;
	ssize_t got = pread(fd, &eh, sizeof(eh), 0);
	struct hg_elf e;

	if (got < (ssize_t)sizeof(eh.e32) || memcmp(eh.ident, ELFMAG, SELFMAG) != 0 ||
	    eh.ident[EI_DATA] != HG_ELFDATA)
		return -1;
	hex[0] = '\0';
	if (eh.ident[EI_CLASS] == ELFCLASS64 && got >= (ssize_t)sizeof(eh.e64))
		e = (struct hg_elf){
			true,		eh.e64.e_phoff,	    eh.e64.e_shoff,    eh.e64.e_phnum,
			eh.e64.e_shnum, eh.e64.e_phentsize, eh.e64.e_shentsize
		};
	else if (eh.ident[EI_CLASS] == ELFCLASS32)
		e = (struct hg_elf){
			false,		eh.e32.e_phoff,	    eh.e32.e_shoff,    eh.e32.e_phnum,
			eh.e32.e_shnum, eh.e32.e_phentsize, eh.e32.e_shentsize
		};
	else
		return -1;
	return hg_elf_scan(fd, &e, hex, size);
}
