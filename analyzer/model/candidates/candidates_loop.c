/* candidates_loop.c: is a candidate's scope one iteration of a loop in the scope function? A
 * frame that never ends during the recording (main, a thread's start routine, an event loop, an
 * interpreter loop) encloses every object of the run, so "wrap F()" would make an arena that only
 * grows; what the objects share is one iteration of a loop in F. Judged from the scope frame
 * itself (a process or thread root), from --verify's probes (no invocation returned), or from the
 * probed invocations' length against the objects' p99 lifetime (CAND_LOOP_SPAN_RATIO). The loop
 * is named by the calls F makes towards the allocation and the free (the most common of each).
 * A loop whose iterations record --verify-loop probed is one too (candidates_loop_verify.c).
 * Rules and measurements: docs/design.md, "Loop-iteration scopes". */
#define _POSIX_C_SOURCE 200809L
#include "candidates_data.h"

#include <limits.h>
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

struct iter_obj {
	long long tid;
	uint64_t cfa; /* or, iterations probed, the iteration (alloc_inv) */
	long long alloc_ns, free_ns, size;
};

static int cmp_iter(const void *pa, const void *pb)
{
	const struct iter_obj *a = pa, *b = pb;

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	if (a->cfa != b->cfa)
		return a->cfa < b->cfa ? -1 : 1;
	return (a->alloc_ns > b->alloc_ns) - (a->alloc_ns < b->alloc_ns);
}

/* Bytes per iteration (p50, p99) and the arena that holds the p99: the enclosed objects of one
 * thread and scope frame (CFA), a new iteration starting at an object allocated after every
 * earlier one was freed (probed invocation ids would put the whole loop in one). With the
 * iterations probed (by_iteration): the objects of one thread and iteration (alloc_inv). */
static void iteration_bytes(const struct cand_data *d, const uint32_t *idx, size_t n,
			    uint32_t scope, int by_iteration, struct an_candidate *c)
{
	struct iter_obj *v = an_malloc((n + 1) * sizeof(*v));
	long long *sums = an_malloc((n + 1) * sizeof(*sums)), te, end = 0;
	size_t m = 0, ns = 0, i;

	te = d->track_every > 0 ? d->track_every : 1;
	for (i = 0; i < n; i++) {
		const struct cand_obj *o = &d->objs[idx[i]];

		if (o->cls == OBJ_SCOPED && o->scope == scope && (!by_iteration || o->has_inv))
			v[m++] = (struct iter_obj){
				o->tid, by_iteration ? (uint64_t)o->alloc_inv : o->scope_cfa,
				o->alloc_ns, o->free_ns, o->size > 0 ? o->size : 0
			};
	}
	if (m > 1)
		qsort(v, m, sizeof(*v), cmp_iter);
	for (i = 0; i < m; i++) {
		if (i == 0 || v[i].tid != v[i - 1].tid || v[i].cfa != v[i - 1].cfa ||
		    (!by_iteration && v[i].alloc_ns > end)) {
			sums[ns++] = 0;
			end = v[i].free_ns;
		}
		if (v[i].free_ns > end)
			end = v[i].free_ns;
		if (v[i].size > 0 && te > (LLONG_MAX - sums[ns - 1]) / v[i].size)
			sums[ns - 1] = LLONG_MAX;
		else
			sums[ns - 1] += v[i].size * te;
	}
	if (ns > 0) {
		qsort(sums, ns, sizeof(*sums), cmp_ll);
		c->has_bytes = 1;
		c->bytes_p50 = cand_percentile(sums, ns, 50);
		c->bytes_p99 = cand_percentile(sums, ns, 99);
		c->arena_kib = ARENA_MIN_KIB;
		while (c->arena_kib * 1024 < c->bytes_p99 && c->arena_kib < LLONG_MAX / 2048)
			c->arena_kib *= 2;
	}
	free(sums);
	free(v);
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
	uint32_t *freed = an_malloc((n + 1) * sizeof(*freed)), best, loop_loc;
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
	loop_loc = most_common(fn, nfn);
	if (2 * roots > scoped)
		c->loop_why = CAND_LOOP_ROOT;
	else if (c->probe_never_returned)
		c->loop_why = CAND_LOOP_NEVER_RETURNED;
	else if (c->probed && c->has_life && (med = median_invocation(d, idx, n, scope)) >= 0 &&
		 (double)med >= CAND_LOOP_SPAN_RATIO * (double)(c->life_p99 > 0 ? c->life_p99 : 1))
		c->loop_why = CAND_LOOP_LONG;
	else if (cand_loop_probe_at(d, loop_loc))
		c->loop_why = CAND_LOOP_ITERATIONS_PROBED;
	else
		goto out;
	c->scope_kind = CAND_SCOPE_LOOP;
	c->verified = 0; /* a call probe confirms the invocation, not the iterations */
	c->verified_share = 0.0;
	c->loop_function =
		an_strdup(loop_loc != CAND_NO_ID ? d->loc[loop_loc].function : c->scope.function);
	if ((best = most_common(alloc, na)) != CAND_NO_ID) {
		copy_loc(&c->loop_alloc, &d->loc[best]);
		c->has_loop_alloc = 1;
	}
	if ((best = most_common(freed, nf)) != CAND_NO_ID) {
		copy_loc(&c->loop_free, &d->loc[best]);
		c->has_loop_free = 1;
	}
	cand_loop_verify(d, idx, n, scope, loop_loc, c);
	iteration_bytes(d, idx, n, scope, c->loop_probed, c);
out:
	free(fn);
	free(alloc);
	free(freed);
}
