/* dwarf_cu_index.c: an address -> CU table built from every CU's DW_AT_ranges/low_pc/high_pc
 * (see dwarf_cu_index.h), sorted by start, searched by bisection. */
#define _GNU_SOURCE
#include "dwarf_cu_index.h"

#include <stdint.h>
#include <stdlib.h>

struct cu_range {
	Dwarf_Addr low, high;
	Dwarf_Off cu; /* offset of the CU DIE */
};

struct cu_index {
	struct cu_range *v;
	size_t n, cap;
};

static int push(struct cu_index *ix, Dwarf_Addr low, Dwarf_Addr high, Dwarf_Off cu)
{
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? 2 * ix->cap : 256;
		struct cu_range *v = realloc(ix->v, cap * sizeof(*v));

		if (!v)
			return -1;
		ix->v = v;
		ix->cap = cap;
	}
	ix->v[ix->n++] = (struct cu_range){ low, high, cu };
	return 0;
}

static int compare_low(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;

	return x->low < y->low ? -1 : x->low > y->low;
}

struct cu_index *cu_index_build(Dwarf *dw)
{
	struct cu_index *ix = calloc(1, sizeof(*ix));
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (!ix)
		return NULL;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		Dwarf_Addr base, low, high;
		ptrdiff_t it = 0;

		if (dwarf_offdie(dw, off + hsize, &cu)) {
			while ((it = dwarf_ranges(&cu, it, &base, &low, &high)) > 0)
				if (high > low && push(ix, low, high, off + hsize)) {
					cu_index_free(ix);
					return NULL;
				}
		}
		off = next;
	}
	if (ix->n == 0) {
		cu_index_free(ix);
		return NULL;
	}
	if (ix->n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(ix->v, ix->n, sizeof(*ix->v), compare_low);
	return ix;
}

int cu_index_find(const struct cu_index *ix, Dwarf *dw, Dwarf_Addr pc, Dwarf_Die *out)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) { /* the last range starting at or before pc */
		size_t mid = lo + (hi - lo) / 2;

		if (ix->v[mid].low <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || pc >= ix->v[lo - 1].high)
		return 0;
	return dwarf_offdie(dw, ix->v[lo - 1].cu, out) != NULL;
}

int cu_index_line(Dwarf_Die *cu, Dwarf_Addr pc, const char **file, int *line)
{
	Dwarf_Line *l = dwarf_getsrc_die(cu, pc);

	if (!l || !(*file = dwarf_linesrc(l, NULL, NULL)) || dwarf_lineno(l, line))
		return 0;
	return 1;
}

void cu_index_free(struct cu_index *ix)
{
	if (!ix)
		return;
	free(ix->v);
	free(ix);
}
