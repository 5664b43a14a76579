/* kallsyms.c: kernel addresses to function names, from the text symbols of /proc/kallsyms,
 * sorted once and searched by bisection. */
#define _GNU_SOURCE
#include "kallsyms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ksym {
	uint64_t addr;
	char *name;
};

struct kallsyms {
	struct ksym *v;
	size_t n;
};

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add(struct kallsyms *k, size_t *cap, uint64_t addr, const char *name)
{
	if (k->n == *cap) {
		size_t c = *cap ? *cap * 2 : 65536;
		struct ksym *v = realloc(k->v, c * sizeof(*v));

		if (!v)
			return -ENOMEM;
		k->v = v;
		*cap = c;
	}
	k->v[k->n].addr = addr;
	k->v[k->n].name = strdup(name);
	if (!k->v[k->n].name)
		return -ENOMEM;
	k->n++;
	return 0;
}

struct kallsyms *kallsyms_load(void)
{
	struct kallsyms *k = calloc(1, sizeof(*k));
	unsigned long long addr;
	char type, name[256], line[512];
	size_t cap = 0;
	FILE *f;

	if (!k)
		return NULL;
	f = fopen("/proc/kallsyms", "re");
	if (!f) {
		free(k);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (type != 't' && type != 'T')
			continue;
		if (add(k, &cap, addr, name)) {
			fclose(f);
			kallsyms_free(k);
			errno = ENOMEM;
			return NULL;
		}
	}
	fclose(f);
	if (k->n == 0) { /* addresses hidden (kptr_restrict) */
		kallsyms_free(k);
		errno = EPERM;
		return NULL;
	}
	if (k->n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(k->v, k->n, sizeof(*k->v), by_addr);
	return k;
}

void kallsyms_free(struct kallsyms *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i].name);
	free(k->v);
	free(k);
}

const char *kallsyms_lookup(const struct kallsyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->n;

	if (!k->n || addr < k->v[0].addr)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->v[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return k->v[lo].name;
}
