/* SPDX-License-Identifier: MIT */
/* What glibc reports about its heap, computed the same way: mallinfo,
 * mallinfo2, malloc_stats, malloc_info (same XML), malloc_trim and mallopt.
 * Figures are gathered under each arena's lock and printed after it is
 * released, since printing may allocate. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "freelist.h"

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

/* One verified chunk of a free list, counted as glibc's int_mallinfo does:
 * fastbins apart, everything else (and top) in the free total. */
static void count_free(enum hg_freelist_kind kind, unsigned index, struct hg_chunk *c, size_t size,
		       void *ctx)
{
	(void)c;
	struct arena_stats *s = ctx;
	if (kind == HG_FREELIST_FASTBIN) {
		struct bin_stats *b = &s->sizes[index];
		s->nfast++;
		s->fastavail += size;
		b->from = size - HG_ALIGN_MASK;
		b->to = size;
		b->total += size;
		b->count++;
		return;
	}
	struct bin_stats *b = &s->sizes[HG_NFASTBINS - 1 + index];
	s->nblocks++;
	s->avail += size;
	/* malloc_info shows binned sizes as glibc does: with P set. */
	size |= HG_PREV_INUSE;
	if (b->count == 0 || size < b->from)
		b->from = size;
	if (size > b->to)
		b->to = size;
	b->total += size;
	b->count++;
}

static void arena_stats(struct hg_arena *av, struct arena_stats *s, bool per_bin)
{
	memset(s, 0, sizeof(*s));
	hg_arena_lock(av);
	s->top_size = hg_chunk_size(av->top);
	s->nblocks = 1;
	struct hg_freelist_walk walk = { "mallinfo", count_free, s };
	hg_freelist_walk(av, &walk);
	s->avail += s->top_size + s->fastavail;
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

struct mallinfo2 hg_stats_mallinfo2(void)
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
	m.hblks = hg_mp.n_mmaps;
	m.hblkhd = hg_mp.mmapped_mem;
	return m;
}

/* glibc's malloc_stats writes with stderr locked and marked not
 * cancellable (_IO_FLAGS2_NOTCANCEL): a thread with a cancellation pending
 * still gets the whole output, and is cancelled at its next cancellation
 * point.  heapguard disables cancellation around the writes instead; so
 * does malloc_info, whose stream is the program's. */
static void print_stats(void);

void hg_stats_print(void)
{
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	flockfile(stderr);
	print_stats();
	funlockfile(stderr);
	pthread_setcancelstate(cancel, NULL);
}

static void print_stats(void)
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

static int write_info(FILE *fp);

int hg_stats_info(int options, FILE *fp)
{
	if (options != 0)
		return EINVAL; /* glibc returns it rather than setting errno */
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	int result = write_info(fp);
	pthread_setcancelstate(cancel, NULL);
	return result;
}

static int write_info(FILE *fp)
{
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
/* A free chunk's whole pages past its header and links go back. */
static void purge_free(enum hg_freelist_kind kind, unsigned index, struct hg_chunk *c, size_t size,
		       void *ctx)
{
	(void)kind;
	(void)index;
	uintptr_t start;
	size_t len = hg_trim_inside(c, size, &start);
	if (len != 0) {
		hg_os_purge((void *)start, len);
		*(int *)ctx = 1;
	}
}

static int arena_trim(struct hg_arena *av, size_t pad)
{
	int result = 0;
	hg_arena_lock(av);
	hg_malloc_consolidate(av);
	struct hg_freelist_walk walk = { "malloc_trim", purge_free, &result };
	hg_freelist_walk(av, &walk);
	if (av == &hg_main_arena)
		result |= hg_systrim(av, pad);
	else
		result |= hg_heap_trim(hg_heap_of(av->top), pad, false);
	hg_arena_unlock(av);
	return result;
}

int hg_trim(size_t pad)
{
	hg_ensure_init();
	int result = 0;
	for_each_arena(av)
		result |= arena_trim(av, pad);
	return result;
}

/* mallopt's numbers and how glibc reads each value are base/params.def's;
 * what a value means to this heap is hg_params_apply_one's. */
int hg_mallopt(int param, int value)
{
	hg_ensure_init();
	enum hg_param which;
	size_t v;
	int result;
	if (!hg_param_from_mallopt(param, value, &which, &v, &result))
		return result;
	struct hg_arena *av = &hg_main_arena;
	hg_arena_lock(av);
	hg_malloc_consolidate(av);
	bool ok = hg_params_set(&hg_config.params, which, v, HG_SOURCE_MALLOPT);
	if (ok)
		hg_params_apply_one(which);
	hg_arena_unlock(av);
	return ok ? 1 : 0;
}
