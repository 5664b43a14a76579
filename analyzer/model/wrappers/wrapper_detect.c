/* wrapper_detect.c: finding allocation wrappers from the recorded stacks alone, so that a
 * program's own xmalloc, or a stripped one named `module+0x...`, folds into its callers. In
 * rounds: the functions at the stacks' current site position (they call the allocator, or an
 * already folded wrapper, directly) are judged; a function is a wrapper when at least
 * WRAP_MIN_CALLERS other functions call it there, its allocation sizes are not one fixed size,
 * it is never seen further out than a stack's site (it calls no other allocating code), and its
 * CPU samples (when there are enough) are mostly inside the allocator. The stacks then
 * move past the new wrappers and the next round judges their callers, until nothing changes
 * (chains such as xstrdup -> xmalloc). The measurements behind the rule: docs/design.md. */
#define _POSIX_C_SOURCE 200809L
#include "site_fold.h"

#include <stdlib.h>
#include <string.h>

#include "an_util.h"

struct fn_pair {
	uint32_t fn, caller;
};

static int cmp_pair(const void *pa, const void *pb)
{
	const struct fn_pair *a = pa, *b = pb;

	if (a->fn != b->fn)
		return a->fn < b->fn ? -1 : 1;
	return (a->caller > b->caller) - (a->caller < b->caller);
}

/* Per function, over the rows whose stack sits at it: sizes seen. */
struct fn_sizes {
	int seen, varies, outward;
	long long size;
};

static int cpu_vetoes(uint32_t fn, const long long *self, const long long *alloc)
{
	long long n;

	if (!self || !alloc)
		return 0;
	n = self[fn] + alloc[fn];
	return n >= WRAP_CPU_MIN_SAMPLES && (double)self[fn] > WRAP_MAX_SELF_SHARE * (double)n;
}

/* One round: marks new wrappers; returns how many. */
static size_t judge(struct site_fold *fold, const struct fold_alloc_row *rows, size_t nrows,
		    const long long *self, const long long *alloc)
{
	struct fn_pair *pairs = an_malloc((nrows + 1) * sizeof(*pairs));
	struct fn_sizes *sz = an_malloc((fold->fns.n + 1) * sizeof(*sz));
	size_t np = 0, i, j, added = 0;

	memset(sz, 0, (fold->fns.n + 1) * sizeof(*sz));
	/* a function seen further out than a stack's site calls allocating code that is not a
	 * wrapper (a parser's parse_list calling parse_expr): it does more than allocate */
	for (i = 0; i < nrows; i++) {
		const struct fold_stack *s = &fold->stacks[rows[i].stack];

		for (uint32_t pos = s->site_pos + 1; pos < s->len; pos++) {
			uint32_t fn = fold->frame_fn[s->start + pos];

			if (fn != UINT32_MAX)
				sz[fn].outward = 1;
		}
	}
	for (i = 0; i < nrows; i++) {
		const struct fold_stack *s = &fold->stacks[rows[i].stack];
		uint32_t fn, caller;

		if (s->site_pos + 1 >= s->len)
			continue; /* no caller in the stack */
		fn = fold->frame_fn[s->start + s->site_pos];
		caller = fold->frame_fn[s->start + s->site_pos + 1];
		if (fn == UINT32_MAX || fold->fn_wrap[fn])
			continue;
		if (!sz[fn].seen) {
			sz[fn].seen = 1;
			sz[fn].size = rows[i].size_min;
		}
		if (rows[i].size_min != rows[i].size_max || rows[i].size_min != sz[fn].size)
			sz[fn].varies = 1;
		if (caller != UINT32_MAX && caller != fn) /* recursion is not another caller */
			pairs[np++] = (struct fn_pair){ fn, caller };
	}
	if (np > 1)
		qsort(pairs, np, sizeof(*pairs), cmp_pair);
	for (i = 0; i < np; i = j) {
		long long callers = 0;

		for (j = i; j < np && pairs[j].fn == pairs[i].fn; j++)
			if (j == i || pairs[j].caller != pairs[j - 1].caller)
				callers++;
		if (callers > fold->fn_callers[pairs[i].fn])
			fold->fn_callers[pairs[i].fn] = callers;
		if (callers >= WRAP_MIN_CALLERS && sz[pairs[i].fn].varies &&
		    !sz[pairs[i].fn].outward && !cpu_vetoes(pairs[i].fn, self, alloc)) {
			fold->fn_wrap[pairs[i].fn] = 1 + WRAP_DETECTED;
			added++;
		}
	}
	free(pairs);
	free(sz);
	return added;
}

void wrapper_detect(struct site_fold *fold, const struct fold_alloc_row *rows, size_t nrows,
		    const long long *cpu_self, const long long *cpu_alloc)
{
	/* each round folds at least one more frame of some stack, so a stack's depth bounds it */
	for (int round = 0; round < 64; round++) {
		site_fold_advance(fold);
		if (judge(fold, rows, nrows, cpu_self, cpu_alloc) == 0)
			break;
	}
	site_fold_advance(fold);
}
