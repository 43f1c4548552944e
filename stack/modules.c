/* SPDX-License-Identifier: MIT */
/* The module map; see modules.h.  dl_iterate_phdr runs twice: once to size
 * one mapping, once to fill it (modules loaded in between are left out). */
#define _GNU_SOURCE
#include "modules.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "../base/compiler.h"
#include "../base/lock.h"
#include "../base/os.h"
#include "../base/path.h"

#define HG_PATH_MAX 4096

struct count {
	unsigned mods, segs;
	size_t strings;
};

static int count_one(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct count *c = data;
	c->mods++;
	for (unsigned i = 0; i < info->dlpi_phnum; i++)
		c->segs += info->dlpi_phdr[i].p_type == PT_LOAD;
	c->strings += (info->dlpi_name ? strlen(info->dlpi_name) : 0) + 1;
	return 0;
}

struct fill {
	struct hg_modules *m;
	unsigned max_mods, max_segs;
	size_t strings_used, strings_max;
	char exe[HG_PATH_MAX];
};

static void hex_build_id(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	if (n == 0 || n * 2 >= HG_BUILD_ID_HEX) {
		out[0] = '-';
		out[1] = '\0';
		return;
	}
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* NT_GNU_BUILD_ID from the module's PT_NOTE segments. */
static void find_build_id(const struct dl_phdr_info *info, char *out)
{
	hex_build_id(NULL, 0, out);
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		const unsigned char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
			const unsigned char *name = p + sizeof(*nh);
			const unsigned char *desc = name + ((nh->n_namesz + 3) & ~3u);
			const unsigned char *next = desc + ((nh->n_descsz + 3) & ~3u);
			if (next > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0) {
				hex_build_id(desc, nh->n_descsz, out);
				return;
			}
			p = next;
		}
	}
}

static const char *keep_string(struct fill *f, const char *s)
{
	size_t n = strlen(s) + 1;
	if (f->strings_used + n > f->strings_max)
		return "";
	char *dst = f->m->strings + f->strings_used;
	memcpy(dst, s, n);
	f->strings_used += n;
	return dst;
}

static int fill_one(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct fill *f = data;
	struct hg_modules *m = f->m;
	if (m->count == f->max_mods)
		return 1;
	uintptr_t page = hg_page_size;
	struct hg_module *mod = &m->mods[m->count];
	mod->base = info->dlpi_addr;
	mod->lo = UINTPTR_MAX;
	mod->hi = 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || m->nsegs == f->max_segs)
			continue;
		struct hg_segment_range *s = &m->segs[m->nsegs++];
		s->lo = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
		s->hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
		s->module = m->count;
		s->writable = (ph->p_flags & PF_W) != 0;
		if (s->lo < mod->lo)
			mod->lo = s->lo;
		if (s->hi > mod->hi)
			mod->hi = s->hi;
	}
	/* The executable comes first with an empty name. */
	const char *name = info->dlpi_name;
	if (m->count == 0 && (name == NULL || name[0] == '\0'))
		name = f->exe;
	mod->path = keep_string(f, name ? name : "");
	find_build_id(info, mod->build_id);
	m->count++;
	return 0;
}

/* Insertion sort: a few hundred segments, mostly in order already. */
static void sort_segments(struct hg_segment_range *s, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct hg_segment_range v = s[i];
		unsigned j = i;
		while (j > 0 && s[j - 1].lo > v.lo) {
			s[j] = s[j - 1];
			j--;
		}
		s[j] = v;
	}
}

static struct hg_lock walking = HG_LOCK_INIT;

void hg_modules_walk(int (*visit)(struct dl_phdr_info *info, size_t size, void *ctx), void *ctx)
{
	hg_lock_acquire(&walking);
	dl_iterate_phdr(visit, ctx);
	hg_lock_release(&walking);
}

HG_FORK_CODE void hg_modules_fork_prepare(void)
{
	hg_lock_acquire(&walking);
}

HG_FORK_CODE void hg_modules_fork_parent(void)
{
	hg_lock_release(&walking);
}

HG_FORK_CODE void hg_modules_fork_child(void)
{
	hg_lock_reset(&walking);
}

bool hg_modules_load(struct hg_modules *m)
{
	memset(m, 0, sizeof(*m));
	struct count c = { 0, 0, 0 };
	hg_modules_walk(count_one, &c);
	/* Room for a few modules loaded between the two passes. */
	c.mods += 8;
	c.segs += 64;
	static struct fill f; /* the exe path is large for a stack at exit */
	memset(&f, 0, sizeof(f));
	hg_path_exe(f.exe, sizeof(f.exe));
	c.strings += strlen(f.exe) + 8 * HG_PATH_MAX;
	size_t len = c.mods * sizeof(struct hg_module) + c.segs * sizeof(struct hg_segment_range) +
		     c.strings;
	char *p = hg_os_map(len, false);
	if (p == NULL)
		return false;
	m->map_len = len;
	m->mods = (struct hg_module *)p;
	m->segs = (struct hg_segment_range *)(p + c.mods * sizeof(struct hg_module));
	m->strings = (char *)(m->segs + c.segs);
	f.m = m;
	f.max_mods = c.mods;
	f.max_segs = c.segs;
	f.strings_max = c.strings;
	hg_modules_walk(fill_one, &f);
	sort_segments(m->segs, m->nsegs);
	return true;
}

void hg_modules_free(struct hg_modules *m)
{
	if (m->mods != NULL)
		hg_os_unmap(m->mods, m->map_len);
	memset(m, 0, sizeof(*m));
}

const struct hg_segment_range *hg_modules_segment(const struct hg_modules *m, uintptr_t addr)
{
	unsigned lo = 0, hi = m->nsegs;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (m->segs[mid].hi <= addr)
			lo = mid + 1;
		else if (m->segs[mid].lo > addr)
			hi = mid;
		else
			return &m->segs[mid];
	}
	return NULL;
}

bool hg_modules_contains(uintptr_t addr)
{
	struct dl_find_object found;
	return _dl_find_object((void *)addr, &found) == 0;
}

unsigned hg_modules_own_writable(uintptr_t *lo, uintptr_t *hi, unsigned max)
{
	unsigned count;
	uintptr_t bias, page = hg_page_size;
	const ElfW(Phdr) *ph = hg_os_own_phdrs(&count, &bias);
	if ((uintptr_t)ph == getauxval(AT_PHDR))
		return 0;
	unsigned n = 0;
	for (unsigned i = 0; i < count && n < max; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W))
			continue;
		lo[n] = (bias + ph[i].p_vaddr) & ~(page - 1);
		hi[n] = (bias + ph[i].p_vaddr + ph[i].p_memsz + page - 1) & ~(page - 1);
		n++;
	}
	return n;
}
