/* name_table.h: interned strings (frame and allocator names of folded stacks): each distinct
 * string is stored once and named by a small id. */
#ifndef ARENAPROF_NAME_TABLE_H
#define ARENAPROF_NAME_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct name_table {
	char **names; /* by id */
	uint32_t n, cap;
	uint32_t *slots; /* open addressing: id + 1, 0 = empty */
	uint32_t nslots; /* power of two */
};

void name_table_init(struct name_table *t);
/* The id of s (len bytes, no NUL inside), added if new. */
uint32_t name_table_intern(struct name_table *t, const char *s, size_t len);
/* The id of s (len bytes), UINT32_MAX when it is not in the table. */
uint32_t name_table_find(const struct name_table *t, const char *s, size_t len);
/* rank[id] = position of names[id] in byte order; the caller frees it. */
uint32_t *name_table_ranks(const struct name_table *t);
void name_table_free(struct name_table *t);

#endif
