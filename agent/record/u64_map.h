/* u64_map.h: a small open-addressing hash map from non-zero 64-bit keys to pointers. */
#ifndef ARENAPROF_U64_MAP_H
#define ARENAPROF_U64_MAP_H

#include <stddef.h>
#include <stdint.h>

struct u64_map {
	uint64_t *keys; /* 0 = empty slot */
	void **vals;
	size_t cap; /* power of two */
	size_t n;
};

void *u64_map_get(const struct u64_map *m, uint64_t key);
/* Inserts or replaces. 0, or -ENOMEM. key must not be 0. */
int u64_map_put(struct u64_map *m, uint64_t key, void *val);
void u64_map_del(struct u64_map *m, uint64_t key);
void u64_map_free(struct u64_map *m);
/* Visits every value. */
#define U64_MAP_FOR_EACH(m, i)                \
	for (size_t i = 0; i < (m)->cap; i++) \
		if ((m)->keys[i])

uint64_t hash_u64(uint64_t x);

#endif
