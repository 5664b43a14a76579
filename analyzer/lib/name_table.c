/* name_table.c: interned strings with an open-addressing hash table (see name_table.h). */
#define _POSIX_C_SOURCE 200809L
#include "name_table.h"

#include <stdlib.h>
#include <string.h>

#include "an_util.h"
#include "fnv1a.h"

void name_table_init(struct name_table *t)
{
	memset(t, 0, sizeof(*t));
}

static uint32_t hash(const char *s, size_t len)
{
	return fnv1a32(s, len);
}

static void grow(struct name_table *t)
{
	uint32_t nslots = t->nslots ? t->nslots * 2 : 1024, i, id, h;

	free(t->slots);
	t->slots = an_malloc(nslots * sizeof(*t->slots));
	memset(t->slots, 0, nslots * sizeof(*t->slots));
	t->nslots = nslots;
	for (id = 0; id < t->n; id++) {
		h = hash(t->names[id], strlen(t->names[id]));
		for (i = h & (nslots - 1); t->slots[i]; i = (i + 1) & (nslots - 1))
			;
		t->slots[i] = id + 1;
	}
}

uint32_t name_table_intern(struct name_table *t, const char *s, size_t len)
{
	uint32_t h, i, id;

	if ((uint64_t)(t->n + 1) * 2 > t->nslots) /* load factor <= 1/2 */
		grow(t);
	h = hash(s, len);
	for (i = h & (t->nslots - 1); t->slots[i]; i = (i + 1) & (t->nslots - 1)) {
		const char *name = t->names[t->slots[i] - 1];

		if (strncmp(name, s, len) == 0 && name[len] == '\0')
			return t->slots[i] - 1;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->names = an_realloc(t->names, t->cap * sizeof(*t->names));
	}
	id = t->n++;
	t->names[id] = an_strndup(s, len);
	t->slots[i] = id + 1;
	return id;
}

uint32_t name_table_find(const struct name_table *t, const char *s, size_t len)
{
	uint32_t i;

	if (!t->nslots)
		return UINT32_MAX;
	for (i = hash(s, len) & (t->nslots - 1); t->slots[i]; i = (i + 1) & (t->nslots - 1)) {
		const char *name = t->names[t->slots[i] - 1];

		if (strncmp(name, s, len) == 0 && name[len] == '\0')
			return t->slots[i] - 1;
	}
	return UINT32_MAX;
}

struct name_ref {
	const char *name;
	uint32_t id;
};

static int cmp_refs(const void *pa, const void *pb)
{
	const struct name_ref *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

uint32_t *name_table_ranks(const struct name_table *t)
{
	struct name_ref *refs = an_malloc(t->n * sizeof(*refs));
	uint32_t *rank = an_malloc(t->n * sizeof(*rank)), i;

	for (i = 0; i < t->n; i++) {
		refs[i].name = t->names[i];
		refs[i].id = i;
	}
	if (t->n > 1)
		qsort(refs, t->n, sizeof(*refs), cmp_refs);
	for (i = 0; i < t->n; i++)
		rank[refs[i].id] = i;
	free(refs);
	return rank;
}

void name_table_free(struct name_table *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
