/* SPDX-License-Identifier: MIT */
/* Chunks of their own mapping, for requests at or above the mmap threshold.
 * prev_size holds the distance from the mapping's start to the chunk (set by
 * memalign), so base and length are recovered from the header alone. */
#include "internal.h"
#include "usage.h"

static void account(ptrdiff_t delta_bytes, int delta_count)
{
	size_t n = __atomic_add_fetch(&hg_mp.n_mmaps, (size_t)delta_count, __ATOMIC_RELAXED);
	size_t m = __atomic_add_fetch(&hg_mp.mmapped_mem, (size_t)delta_bytes, __ATOMIC_RELAXED);
	hg_usage_system(delta_bytes);
	if (n > hg_mp.max_n_mmaps)
		hg_mp.max_n_mmaps = n;
	if (m > hg_mp.max_mmapped_mem)
		hg_mp.max_mmapped_mem = m;
}

void hg_mmap_counted(const struct hg_chunk *p, bool live)
{
	size_t total = p->prev_size + hg_chunk_size(p);
	account(live ? (ptrdiff_t)total : -(ptrdiff_t)total, live ? 1 : -1);
}

struct hg_chunk *hg_mmap_chunk(size_t nb)
{
	if ((int)__atomic_load_n(&hg_mp.n_mmaps, __ATOMIC_RELAXED) >= hg_mp.mmap_max)
		return NULL;
	size_t size = (nb + HG_SIZE_SZ + hg_page_size - 1) & ~(hg_page_size - 1);
	if (size <= nb)
		return NULL;
	char *mm = hg_os_map(size, hg_mp.hugetlb == 2);
	if (mm == NULL)
		return NULL;
	if (hg_mp.hugetlb == 1)
		hg_os_advise_huge(mm, size);
	struct hg_chunk *p = (struct hg_chunk *)mm;
	p->prev_size = 0;
	hg_chunk_set_head(p, size | HG_IS_MMAPPED | HG_INUSE);
	hg_region_mmap_add(p);
	account((ptrdiff_t)size, 1);
	return p;
}

static int bad_mapping(const struct hg_chunk *p, size_t total)
{
	uintptr_t block = (uintptr_t)p - p->prev_size;
	return ((block | total) & (hg_page_size - 1)) != 0 || total < hg_chunk_size(p);
}

void hg_munmap_chunk(struct hg_chunk *p, const char *op)
{
	size_t total = p->prev_size + hg_chunk_size(p);
	if (HG_UNLIKELY(bad_mapping(p, total))) {
		hg_diag_mmap_bad_mapping(hg_chunk2mem(p), op, p->prev_size, total, false);
		return;
	}
	account(-(ptrdiff_t)total, -1);
	hg_region_mmap_remove(p);
	hg_os_unmap((char *)p - p->prev_size, total);
}

struct hg_chunk *hg_mremap_chunk(struct hg_chunk *p, size_t nb)
{
	size_t offset = p->prev_size;
	size_t total = offset + hg_chunk_size(p);
	if (HG_UNLIKELY(bad_mapping(p, total))) {
		hg_diag_mmap_bad_mapping(hg_chunk2mem(p), "realloc", offset, total, true);
		return NULL;
	}
	size_t new_total = (nb + offset + HG_SIZE_SZ + hg_page_size - 1) & ~(hg_page_size - 1);
	if (new_total == total)
		return p;
	char *mm = hg_os_remap((char *)p - offset, total, new_total);
	if (mm == NULL)
		return NULL;
	hg_region_mmap_remove(p);
	p = (struct hg_chunk *)(mm + offset);
	hg_region_mmap_add(p);
	hg_chunk_set_head(p, (new_total - offset) | HG_IS_MMAPPED | HG_INUSE);
	account((ptrdiff_t)new_total - (ptrdiff_t)total, 0);
	return p;
}

/* glibc's dynamic threshold, when the program frees a mapping: one this
 * size will be asked for again, so serve such sizes from the heap. */
void hg_mmap_freed(struct hg_chunk *p)
{
	size_t size = hg_chunk_size(p);
	if (!hg_mp.no_dyn_threshold && size > hg_mp.mmap_threshold &&
	    size <= HG_MMAP_THRESHOLD_MAX) {
		hg_mp.mmap_threshold = size;
		if (hg_mp.trim_threshold < 2 * size)
			hg_mp.trim_threshold = 2 * size;
	}
}
