/* candidates_loop.c: is a candidate's scope one iteration of a loop in the scope function? A
 * frame that never ends during the recording (main, a thread's start routine, an event loop, an
 * interpreter loop) encloses every object of the run, so "wrap F()" would make an arena that only
 * grows; what the objects share is one iteration of a loop in F. Judged from the scope frame
 * itself (a process or thread root), from --verify's probes (no invocation returned), or from the
 * probed invocations' length against the objects' p99 lifetime (CAND_LOOP_SPAN_RATIO). The loop
 * is named by the calls F makes towards the allocation and the free (the most common of each).
 * Rules and measurements: docs/design.md, "Loop-iteration scopes". */
#define _POSIX_C_SOURCE 200809L
#include "candidates_data.h"

#include <stdlib.h>
#include <string.h>

#include "an_util.h"

/* Frames that are the process's or a thread's whole life. */
static const char *const roots[] = { "main",
				     "_start",
				     "__libc_start_main",
				     "__libc_start_call_main",
				     "__libc_start_main_impl",
				     "start_thread",
				     "clone",
				     "clone3",
				     "__clone",
				     "__clone3",
				     "thread_start" };
/* Callers whose callee is a root: main under another name, a thread's start routine. */
static const char *const root_callers[] = { "__libc_start_main",
					    "__libc_start_call_main",
					    "__libc_start_main_impl",
					    "start_thread",
					    "clone",
					    "clone3",
					    "__clone",
					    "__clone3",
					    "thread_start" };

static int in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

int cand_root_function(const char *function)
{
	return in(function, roots, sizeof(roots) / sizeof(roots[0]));
}

int cand_root_caller(const char *caller)
{
	return in(caller, root_callers, sizeof(root_callers) / sizeof(root_callers[0]));
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return (a > b) - (a < b);
}

/* The most common id of v[0..n) (sorted here), CAND_NO_ID when n = 0. */
static uint32_t most_common(uint32_t *v, size_t n)
{
	uint32_t best = CAND_NO_ID;
	size_t i, run, best_run = 0;

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_u32);
	for (i = 0; i < n; i += run) {
		for (run = 1; i + run < n && v[i + run] == v[i]; run++)
			;
		if (run > best_run) {
			best_run = run;
			best = v[i];
		}
	}
	return best;
}

struct inv_span {
	long long inv, tid, lo, hi;
};

static int cmp_inv(const void *pa, const void *pb)
{
	const struct inv_span *a = pa, *b = pb;

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return (a->inv > b->inv) - (a->inv < b->inv);
}

static int cmp_ll(const void *pa, const void *pb)
{
	long long a = *(const long long *)pa, b = *(const long long *)pb;

	return (a > b) - (a < b);
}

/* The median length of the probed invocations (alloc_inv) that enclose the objects, each
 * invocation from its first allocation to its last free; -1 without probed objects. */
static long long median_invocation(const struct cand_data *d, const uint32_t *idx, size_t n,
				   uint32_t scope)
{
	struct inv_span *v = an_malloc((n + 1) * sizeof(*v));
	long long *len = an_malloc((n + 1) * sizeof(*len)), med = -1;
	size_t m = 0, k = 0, i, j;

	for (i = 0; i < n; i++) {
		const struct cand_obj *o = &d->objs[idx[i]];

		if (o->cls == OBJ_SCOPED && o->scope == scope && o->has_inv)
			v[m++] = (struct inv_span){ o->alloc_inv, o->tid, o->alloc_ns,
						    o->free_ns > o->alloc_ns ? o->free_ns :
									       o->alloc_ns };
	}
	if (m > 1)
		qsort(v, m, sizeof(*v), cmp_inv);
	for (i = 0; i < m; i = j) {
		long long lo = v[i].lo, hi = v[i].hi;

		for (j = i; j < m && v[j].inv == v[i].inv && v[j].tid == v[i].tid; j++) {
			lo = v[j].lo < lo ? v[j].lo : lo;
			hi = v[j].hi > hi ? v[j].hi : hi;
		}
		len[k++] = hi - lo;
	}
	if (k > 0) {
		qsort(len, k, sizeof(*len), cmp_ll);
		med = cand_percentile(len, k, 50);
	}
	free(v);
	free(len);
	return med;
}

static void copy_loc(struct an_loc *dst, const struct an_loc *src)
{
	dst->function = an_strdup(src->function);
	dst->file = src->file ? an_strdup(src->file) : NULL;
	dst->has_line = src->has_line;
	dst->line = src->line;
	dst->module = an_strdup(src->module);
}

void cand_loop(const struct cand_data *d, const uint32_t *idx, size_t n, uint32_t scope,
	       struct an_candidate *c)
{
	uint32_t *alloc = an_malloc((n + 1) * sizeof(*alloc));
	uint32_t *freed = an_malloc((n + 1) * sizeof(*freed)), best;
	uint32_t *fn = an_malloc((n + 1) * sizeof(*fn));
	size_t nfn = 0;
	size_t na = 0, nf = 0, roots = 0, scoped = 0, i;
	long long med;

	c->scope_kind = CAND_SCOPE_CALL;
	if (!c->is_scope || !c->has_scope || scope == CAND_NO_ID)
		goto out;
	for (i = 0; i < n; i++) {
		const struct cand_obj *o = &d->objs[idx[i]];

		if (o->cls != OBJ_SCOPED || o->scope != scope)
			continue;
		scoped++;
		roots += o->scope_root;
		if (o->loop_alloc != CAND_NO_ID)
			alloc[na++] = o->loop_alloc;
		if (o->loop_fn != CAND_NO_ID)
			fn[nfn++] = o->loop_fn;
		if (o->loop_free != CAND_NO_ID)
			freed[nf++] = o->loop_free;
	}
	if (2 * roots > scoped)
		c->loop_why = CAND_LOOP_ROOT;
	else if (c->probe_never_returned)
		c->loop_why = CAND_LOOP_NEVER_RETURNED;
	else if (c->probed && c->has_life && (med = median_invocation(d, idx, n, scope)) >= 0 &&
		 (double)med >= CAND_LOOP_SPAN_RATIO * (double)(c->life_p99 > 0 ? c->life_p99 : 1))
		c->loop_why = CAND_LOOP_LONG;
	else
		goto out;
	c->scope_kind = CAND_SCOPE_LOOP;
	best = most_common(fn, nfn);
	c->loop_function =
		an_strdup(best != CAND_NO_ID ? d->loc[best].function : c->scope.function);
	if ((best = most_common(alloc, na)) != CAND_NO_ID) {
		copy_loc(&c->loop_alloc, &d->loc[best]);
		c->has_loop_alloc = 1;
	}
	if ((best = most_common(freed, nf)) != CAND_NO_ID) {
		copy_loc(&c->loop_free, &d->loc[best]);
		c->has_loop_free = 1;
	}
out:
	free(fn);
	free(alloc);
	free(freed);
}
