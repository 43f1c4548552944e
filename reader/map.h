/* SPDX-License-Identifier: MIT */
/* A small open-addressing hash map from a pair of 64-bit words to a 32-bit
 * index: stack ids, (kind, stack) pairs of sites, (module, offset) pairs of
 * frames.  Indices are below HG_MAP_NONE, which marks an empty slot. */
#ifndef HG_READER_MAP_H
#define HG_READER_MAP_H

#include <stddef.h>
#include <stdint.h>

#define HG_MAP_NONE UINT32_MAX

struct hg_map_slot {
	uint64_t a, b;
	uint32_t value;
};

struct hg_map {
	struct hg_map_slot *slots;
	size_t mask; /* capacity - 1, capacity a power of two */
	size_t count;
};

void hg_map_init(struct hg_map *map);
void hg_map_free(struct hg_map *map);

/* The value stored for (a, b), or HG_MAP_NONE. */
uint32_t hg_map_get(const struct hg_map *map, uint64_t a, uint64_t b);

/* Stores value for (a, b) if absent: 0; the value already there (>= 0 as
 * uint32_t through *old) and 1 if present; -1 out of memory. */
int hg_map_put(struct hg_map *map, uint64_t a, uint64_t b, uint32_t value, uint32_t *old);

#endif
