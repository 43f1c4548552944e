/* SPDX-License-Identifier: MIT */
/* The hash map of map.h: linear probing, kept at most half full, so a lookup
 * touches a few slots whatever ids a hostile file picks (the hash mixes all
 * bits, and the table grows with the count, not with the key values). */
#include <stdlib.h>

#include "map.h"

static uint64_t hg_map_hash(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x7f4a7c159e3779b9ull);

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	return h;
}

void hg_map_init(struct hg_map *map)
{
	map->slots = NULL;
	map->mask = 0;
	map->count = 0;
}

void hg_map_free(struct hg_map *map)
{
	free(map->slots);
	hg_map_init(map);
}

uint32_t hg_map_get(const struct hg_map *map, uint64_t a, uint64_t b)
{
	size_t i;

	if (!map->slots)
		return HG_MAP_NONE;
	for (i = hg_map_hash(a, b) & map->mask;; i = (i + 1) & map->mask) {
		const struct hg_map_slot *s = &map->slots[i];

		if (s->value == HG_MAP_NONE)
			return HG_MAP_NONE;
		if (s->a == a && s->b == b)
			return s->value;
	}
}

static int hg_map_grow(struct hg_map *map)
{
	size_t cap = map->slots ? (map->mask + 1) * 2 : 64;
	struct hg_map_slot *slots = malloc(cap * sizeof(*slots));
	size_t i, j;

	if (!slots)
		return -1;
	for (i = 0; i < cap; i++)
		slots[i].value = HG_MAP_NONE;
	for (j = 0; map->slots && j <= map->mask; j++) {
		const struct hg_map_slot *s = &map->slots[j];

		if (s->value == HG_MAP_NONE)
			continue;
		for (i = hg_map_hash(s->a, s->b) & (cap - 1); slots[i].value != HG_MAP_NONE;
		     i = (i + 1) & (cap - 1))
			;
		slots[i] = *s;
	}
	free(map->slots);
	map->slots = slots;
	map->mask = cap - 1;
	return 0;
}

int hg_map_put(struct hg_map *map, uint64_t a, uint64_t b, uint32_t value, uint32_t *old)
{
	size_t i;

	if ((!map->slots || (map->count + 1) * 2 > map->mask + 1) && hg_map_grow(map) < 0)
		return -1;
	for (i = hg_map_hash(a, b) & map->mask;; i = (i + 1) & map->mask) {
		struct hg_map_slot *s = &map->slots[i];

		if (s->value == HG_MAP_NONE) {
			s->a = a;
			s->b = b;
			s->value = value;
			map->count++;
			return 0;
		}
		if (s->a == a && s->b == b) {
			if (old)
				*old = s->value;
			return 1;
		}
	}
}
