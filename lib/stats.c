/* SPDX-License-Identifier: MIT */
/* What glibc reports about its heap, computed the same way: mallinfo,
 * mallinfo2, malloc_stats, malloc_info (same XML), malloc_trim and mallopt.
 * Figures are gathered under each arena's lock and printed after it is
 * released, since printing may allocate. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "../guard/quarantine.h"

#define HG_EXPORT __attribute__((visibility("default")))

#define for_each_arena(av) \
	for (struct hg_arena *av = &hg_main_arena; av != NULL; \
	     av = av->next == &hg_main_arena ? NULL : av->next)

struct bin_stats {
	size_t from, to, total, count;
};

struct arena_stats {
	size_t nfast, fastavail;	/* chunks and bytes in fastbins */
	size_t nblocks, avail;		/* free chunks and bytes, top and fastbins included */
	size_t system_mem, max_system_mem, top_size;
	size_t heap_size, heap_mprotect, heap_count; /* non-main arenas */
	struct bin_stats sizes[HG_NFASTBINS + HG_NBINS];
};

static void arena_stats(struct hg_arena *av, struct arena_stats *s, bool per_bin)
{
	memset(s, 0, sizeof(*s));
	hg_arena_lock(av);
	s->top_size = hg_chunk_size(av->top);
	for (unsigned i = 0; i < HG_NFASTBINS; i++) {
		struct bin_stats *b = &s->sizes[i];
		for (struct hg_chunk *p = av->fastbins[i]; p != NULL; p = hg_link_reveal(&p->fd)) {
			if (HG_UNLIKELY(!hg_free_chunk_ok(p))) {
				hg_report(HG_ERR_FREELIST_CORRUPTION, hg_chunk2mem(p), NULL, "mallinfo",
					  "int_mallinfo(): unaligned fastbin chunk detected",
					  "a fastbin leads to %p, which is not a free chunk", (void *)p);
				break;
			}
			size_t sz = hg_chunk_size(p);
			s->nfast++;
			s->fastavail += sz;
			b->from = sz - HG_ALIGN_MASK;
			b->to = sz;
			b->total += sz;
			b->count++;
		}
	}
	s->nblocks = 1;
	s->avail = s->top_size + s->fastavail;
	for (unsigned i = 1; i < HG_NBINS; i++) {
		struct hg_chunk *bin = hg_bin_at(av, i);
		struct bin_stats *b = &s->sizes[HG_NFASTBINS - 1 + i];
		b->from = (size_t)-1;
		for (struct hg_chunk *p = bin->bk; p != bin; p = p->bk) {
			if (HG_UNLIKELY(!hg_link_ok(av, p))) {
				hg_report(HG_ERR_FREELIST_CORRUPTION, hg_chunk2mem(p), NULL, "mallinfo",
					  "corrupted double-linked list",
					  "bin %u leads to %p, which is not a free chunk", i, (void *)p);
				break;
			}
			size_t sz = hg_chunk_size(p);
			s->nblocks++;
			s->avail += sz;
			/* malloc_info shows binned sizes as glibc does: with P set. */
			sz |= HG_PREV_INUSE;
			if (sz < b->from)
				b->from = sz;
			if (sz > b->to)
				b->to = sz;
			b->total += sz;
			b->count++;
		}
	}
	s->system_mem = av->system_mem;
	s->max_system_mem = av->max_system_mem;
	if (per_bin && av != &hg_main_arena) {
		for (struct hg_heap *h = hg_heap_of(av->top); h != NULL; h = h->prev) {
			s->heap_size += h->size;
			s->heap_mprotect += h->mprotect_size;
			s->heap_count++;
		}
	}
	hg_arena_unlock(av);
}

struct held {
	size_t heap_bytes, mmaps, mmap_bytes;
};

static void count_held(struct hg_chunk *c, void *ctx)
{
	struct held *h = ctx;
	if (hg_chunk_is_mmapped(c)) {
		h->mmaps++;
		h->mmap_bytes += hg_chunk_size(c) + c->prev_size;
	} else {
		h->heap_bytes += hg_chunk_size(c);
	}
}

HG_EXPORT struct mallinfo2 mallinfo2(void)
{
	struct mallinfo2 m;
	struct arena_stats s;
	memset(&m, 0, sizeof(m));
	hg_ensure_init();
	for_each_arena(av) {
		arena_stats(av, &s, false);
		m.smblks += s.nfast;
		m.ordblks += s.nblocks;
		m.fordblks += s.avail;
		m.uordblks += s.system_mem - s.avail;
		m.arena += s.system_mem;
		m.fsmblks += s.fastavail;
		if (av == &hg_main_arena)
			m.keepcost = s.top_size;
	}
	/* Chunks in level=full's quarantine are not the program's any more. */
	struct held held = { 0, 0, 0 };
	hg_quarantine_each(count_held, &held);
	held.heap_bytes = held.heap_bytes < m.uordblks ? held.heap_bytes : m.uordblks;
	m.uordblks -= held.heap_bytes;
	m.fordblks += held.heap_bytes;
	m.hblks = hg_mp.n_mmaps - held.mmaps;
	m.hblkhd = hg_mp.mmapped_mem - held.mmap_bytes;
	return m;
}

HG_EXPORT struct mallinfo mallinfo(void)
{
	struct mallinfo2 m2 = mallinfo2();
	struct mallinfo m;
	m.arena = (int)m2.arena;
	m.ordblks = (int)m2.ordblks;
	m.smblks = (int)m2.smblks;
	m.hblks = (int)m2.hblks;
	m.hblkhd = (int)m2.hblkhd;
	m.usmblks = (int)m2.usmblks;
	m.fsmblks = (int)m2.fsmblks;
	m.uordblks = (int)m2.uordblks;
	m.fordblks = (int)m2.fordblks;
	m.keepcost = (int)m2.keepcost;
	return m;
}

HG_EXPORT void malloc_stats(void)
{
	struct arena_stats s;
	hg_ensure_init();
	size_t system_b = hg_mp.mmapped_mem, in_use_b = hg_mp.mmapped_mem;
	int i = 0;
	for_each_arena(av) {
		arena_stats(av, &s, false);
		fprintf(stderr, "Arena %d:\n", i++);
		fprintf(stderr, "system bytes     = %10u\n", (unsigned)s.system_mem);
		fprintf(stderr, "in use bytes     = %10u\n", (unsigned)(s.system_mem - s.avail));
		system_b += s.system_mem;
		in_use_b += s.system_mem - s.avail;
	}
	fprintf(stderr, "Total (incl. mmap):\n");
	fprintf(stderr, "system bytes     = %10u\n", (unsigned)system_b);
	fprintf(stderr, "in use bytes     = %10u\n", (unsigned)in_use_b);
	fprintf(stderr, "max mmap regions = %10u\n", (unsigned)hg_mp.max_n_mmaps);
	fprintf(stderr, "max mmap bytes   = %10lu\n", (unsigned long)hg_mp.max_mmapped_mem);
}

/* glibc's "rest" total: top and the binned chunks, sizes as shown above. */
static size_t rest_bytes(const struct arena_stats *s)
{
	size_t bytes = s->top_size;
	for (unsigned i = HG_NFASTBINS; i < HG_NFASTBINS + HG_NBINS - 1; i++)
		bytes += s->sizes[i].total;
	return bytes;
}

HG_EXPORT int malloc_info(int options, FILE *fp)
{
	if (options != 0)
		return EINVAL; /* glibc returns it rather than setting errno */
	hg_ensure_init();
	struct arena_stats s; /* one arena at a time */
	size_t t_nfast = 0, t_fastavail = 0, t_nblocks = 0, t_avail = 0;
	size_t t_system = 0, t_max_system = 0, t_aspace = 0, t_mprotect = 0;
	int n = 0;
	fputs("<malloc version=\"1\">\n", fp);
	for_each_arena(av) {
		arena_stats(av, &s, true);
		fprintf(fp, "<heap nr=\"%d\">\n<sizes>\n", n++);
		for (size_t i = 0; i < HG_NFASTBINS + HG_NBINS - 1; i++) {
			struct bin_stats *b = &s.sizes[i];
			if (b->count != 0 && i != HG_NFASTBINS)
				fprintf(fp,
					"  <size from=\"%zu\" to=\"%zu\" total=\"%zu\" count=\"%zu\"/>\n",
					b->from, b->to, b->total, b->count);
		}
		struct bin_stats *u = &s.sizes[HG_NFASTBINS];
		if (u->count != 0)
			fprintf(fp,
				"  <unsorted from=\"%zu\" to=\"%zu\" total=\"%zu\" count=\"%zu\"/>\n",
				u->from, u->to, u->total, u->count);
		fprintf(fp,
			"</sizes>\n<total type=\"fast\" count=\"%zu\" size=\"%zu\"/>\n"
			"<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n"
			"<system type=\"current\" size=\"%zu\"/>\n"
			"<system type=\"max\" size=\"%zu\"/>\n",
			s.nfast, s.fastavail, s.nblocks, rest_bytes(&s), s.system_mem,
			s.max_system_mem);
		if (av != &hg_main_arena) {
			fprintf(fp,
				"<aspace type=\"total\" size=\"%zu\"/>\n"
				"<aspace type=\"mprotect\" size=\"%zu\"/>\n"
				"<aspace type=\"subheaps\" size=\"%zu\"/>\n",
				s.heap_size, s.heap_mprotect, s.heap_count);
			t_aspace += s.heap_size;
			t_mprotect += s.heap_mprotect;
		} else {
			fprintf(fp,
				"<aspace type=\"total\" size=\"%zu\"/>\n"
				"<aspace type=\"mprotect\" size=\"%zu\"/>\n",
				s.system_mem, s.system_mem);
			t_aspace += s.system_mem;
			t_mprotect += s.system_mem;
		}
		fputs("</heap>\n", fp);
		t_nfast += s.nfast;
		t_fastavail += s.fastavail;
		t_nblocks += s.nblocks;
		t_avail += rest_bytes(&s);
		t_system += s.system_mem;
		t_max_system += s.max_system_mem;
	}
	fprintf(fp,
		"<total type=\"fast\" count=\"%zu\" size=\"%zu\"/>\n"
		"<total type=\"rest\" count=\"%zu\" size=\"%zu\"/>\n"
		"<total type=\"mmap\" count=\"%d\" size=\"%zu\"/>\n"
		"<system type=\"current\" size=\"%zu\"/>\n"
		"<system type=\"max\" size=\"%zu\"/>\n"
		"<aspace type=\"total\" size=\"%zu\"/>\n"
		"<aspace type=\"mprotect\" size=\"%zu\"/>\n"
		"</malloc>\n",
		t_nfast, t_fastavail, t_nblocks, t_avail, (int)hg_mp.n_mmaps, hg_mp.mmapped_mem,
		t_system, t_max_system, t_aspace, t_mprotect);
	return 0;
}

/* Give back whole free pages inside the bins (MADV_DONTNEED keeps the chunk
 * headers and links, which live below the first page boundary), then top. */
static int arena_trim(struct hg_arena *av, size_t pad)
{
	int result = 0;
	hg_arena_lock(av);
	hg_malloc_consolidate(av);
	for (unsigned i = 1; i < HG_NBINS; i++) {
		struct hg_chunk *bin = hg_bin_at(av, i);
		for (struct hg_chunk *p = bin->bk; p != bin; p = p->bk) {
			if (HG_UNLIKELY(!hg_link_ok(av, p))) {
				hg_report(HG_ERR_FREELIST_CORRUPTION, hg_chunk2mem(p), NULL, "malloc_trim",
					  "corrupted double-linked list",
					  "bin %u leads to %p, which is not a free chunk", i, (void *)p);
				break;
			}
			uintptr_t start;
			size_t len = hg_trim_inside(p, hg_chunk_size(p), &start);
			if (len != 0) {
				hg_os_purge((void *)start, len);
				result = 1;
			}
		}
	}
	if (av == &hg_main_arena)
		result |= hg_systrim(av, pad);
	else
		result |= hg_heap_trim(hg_heap_of(av->top), pad, false);
	hg_arena_unlock(av);
	return result;
}

HG_EXPORT int malloc_trim(size_t pad)
{
	hg_ensure_init();
	int result = 0;
	for_each_arena(av)
		result |= arena_trim(av, pad);
	return result;
}

/* mallopt's parameter numbers (malloc.h) and glibc's handling of each. */
HG_EXPORT int mallopt(int param, int value)
{
	hg_ensure_init();
	enum hg_param which;
	switch (param) {
	case M_MXFAST:
		which = HG_PARAM_MXFAST;
		if (value < 0)
			return 0;
		break;
	case M_TRIM_THRESHOLD:
		which = HG_PARAM_TRIM_THRESHOLD;
		break;
	case M_TOP_PAD:
		which = HG_PARAM_TOP_PAD;
		break;
	case M_MMAP_THRESHOLD:
		which = HG_PARAM_MMAP_THRESHOLD;
		break;
	case M_MMAP_MAX:
		which = HG_PARAM_MMAP_MAX;
		if (value < 0)
			value = 0; /* glibc: a negative count allows no mapping */
		break;
	case M_PERTURB:
		which = HG_PARAM_PERTURB;
		value &= 0xff;
		break;
	case M_ARENA_TEST:
		which = HG_PARAM_ARENA_TEST;
		if (value <= 0)
			return 1;
		break;
	case M_ARENA_MAX:
		which = HG_PARAM_ARENA_MAX;
		if (value <= 0)
			return 1;
		break;
	default: /* M_CHECK_ACTION and unknown numbers: accepted, no effect */
		return 1;
	}
	struct hg_arena *av = &hg_main_arena;
	hg_arena_lock(av);
	hg_malloc_consolidate(av);
	bool ok = hg_params_set(&hg_config.params, which, (size_t)(long)value, HG_SOURCE_MALLOPT);
	if (ok)
		hg_params_apply_one(which);
	hg_arena_unlock(av);
	return ok ? 1 : 0;
}
