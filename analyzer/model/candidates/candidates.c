/* candidates.c: groups the sampled objects into arena candidates. Per site first: a site whose
 * sampled objects are mostly (CAND_SITE_SCOPE_SHARE) enclosed by one scope function joins that
 * scope's candidate; any other site is a single-site entry that says why it is not one (too few
 * sampled objects, long-lived, escapes its scope, freed by another thread, no common scope).
 * Then each entry is measured (candidates_stats.c), worded (candidates_words.c) and the list is
 * sorted by score. */
#define _POSIX_C_SOURCE 200809L
#include "candidates_data.h"

#include <stdlib.h>
#include <string.h>

#include "an_util.h"

/* The per-site verdict: the scope it joins, or why not. */
struct site_verdict {
	uint32_t scope; /* joins this scope's candidate, CAND_NO_ID: rejected */
	enum cand_verdict verdict;
	size_t entry; /* index of its entry in the output */
	/* too few to judge alone: the scope enclosing most of its objects (CAND_NO_ID: none
	 * encloses CAND_SITE_SCOPE_SHARE of them) and its objects with a known end */
	uint32_t small_scope;
	size_t decided;
};

static const struct cand_data *sort_data; /* qsort has no context argument */

static int cmp_site_scope(const void *pa, const void *pb)
{
	const struct cand_obj *a = &sort_data->objs[*(const uint32_t *)pa];
	const struct cand_obj *b = &sort_data->objs[*(const uint32_t *)pb];

	if (a->site != b->site)
		return a->site < b->site ? -1 : 1;
	if (a->scope != b->scope)
		return a->scope < b->scope ? -1 : 1;
	return 0;
}

/* The verdict for one site: its objects are idx[0..n), sorted by scope. */
static void judge_site(const struct cand_data *d, const uint32_t *idx, size_t n,
		       struct site_verdict *v)
{
	size_t cls[OBJ_SCOPED + 1] = { 0 }, best = 0, run = 0, i, worst, decided;
	uint32_t best_scope = CAND_NO_ID;

	for (i = 0; i < n; i++) {
		const struct cand_obj *o = &d->objs[idx[i]];

		cls[o->cls]++;
		if (o->cls != OBJ_SCOPED)
			continue;
		/* scoped objects of one scope are adjacent (sorted by scope) */
		run = (i > 0 && d->objs[idx[i - 1]].scope == o->scope &&
		       d->objs[idx[i - 1]].cls == OBJ_SCOPED) ?
			      run + 1 :
			      1;
		if (run > best) {
			best = run;
			best_scope = o->scope;
		}
	}
	v->scope = v->small_scope = CAND_NO_ID;
	/* censored young objects (survival.c) are neither in nor out of a scope */
	decided = v->decided = n - cls[OBJ_UNDETERMINED];
	if (decided < CAND_MIN_OBJECTS) {
		v->verdict =
			cls[OBJ_UNDETERMINED] >= CAND_MIN_OBJECTS ? CAND_CENSORED : CAND_TOO_FEW;
		if (v->verdict == CAND_TOO_FEW && decided > 0 &&
		    (double)best >= CAND_SITE_SCOPE_SHARE * (double)decided)
			v->small_scope = best_scope;
		return;
	}
	if ((double)best >= CAND_SITE_SCOPE_SHARE * (double)decided) {
		v->verdict = CAND_JOINED;
		v->scope = best_scope;
		return;
	}
	/* the majority reason among the objects that are not enclosed */
	worst = cls[OBJ_CENSORED];
	v->verdict = CAND_LONG_LIVED;
	if (cls[OBJ_ESCAPING] > worst) {
		worst = cls[OBJ_ESCAPING];
		v->verdict = CAND_ESCAPES;
	}
	if (cls[OBJ_CROSS] > worst) {
		worst = cls[OBJ_CROSS];
		v->verdict = CAND_CROSS_THREAD;
	}
	if (worst == 0)
		v->verdict = CAND_NO_COMMON_SCOPE;
}

/* Within a site: the scoped objects first, by scope, so each scope's are one run. */
static int cmp_class_scope(const void *pa, const void *pb)
{
	const struct cand_obj *a = &sort_data->objs[*(const uint32_t *)pa];
	const struct cand_obj *b = &sort_data->objs[*(const uint32_t *)pb];
	int sa = a->cls == OBJ_SCOPED, sb = b->cls == OBJ_SCOPED;

	if (sa != sb)
		return sb - sa;
	if (a->scope != b->scope)
		return a->scope < b->scope ? -1 : 1;
	return 0;
}

static void loc_copy(struct an_loc *dst, const struct an_loc *src)
{
	dst->function = an_strdup(src->function);
	dst->file = src->file ? an_strdup(src->file) : NULL;
	dst->has_line = src->has_line;
	dst->line = src->line;
	dst->module = an_strdup(src->module);
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return (a > b) - (a < b);
}

/* The most common scope frame of the objects (the scope's reported file:line), CAND_NO_ID. */
static uint32_t common_scope_loc(const struct cand_data *d, const uint32_t *idx, size_t n,
				 uint32_t scope)
{
	uint32_t *locs = an_malloc((n + 1) * sizeof(*locs)), best = CAND_NO_ID;
	size_t m = 0, i, run, best_run = 0;

	for (i = 0; i < n; i++) {
		const struct cand_obj *o = &d->objs[idx[i]];

		if (o->scope_loc != CAND_NO_ID && (scope == CAND_NO_ID || o->scope == scope))
			locs[m++] = o->scope_loc;
	}
	if (m > 1)
		qsort(locs, m, sizeof(*locs), cmp_u32);
	for (i = 0; i < m; i += run) {
		for (run = 1; i + run < m && locs[i + run] == locs[i]; run++)
			;
		if (run > best_run) {
			best_run = run;
			best = locs[i];
		}
	}
	free(locs);
	return best;
}

static const struct an_site *site_for(struct an_candidates *out, const struct cand_data *d,
				      const struct an_site **site_of, uint32_t loc)
{
	struct an_site *s;

	if (site_of[loc])
		return site_of[loc];
	/* a site of sampled objects without a row in alloc_stats */
	s = an_malloc(sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->function = an_strdup(d->loc[loc].function);
	s->file = d->loc[loc].file ? an_strdup(d->loc[loc].file) : NULL;
	s->has_line = d->loc[loc].has_line;
	s->line = d->loc[loc].line;
	s->module = an_strdup(d->loc[loc].module);
	out->extra = an_realloc(out->extra, (out->nextra + 1) * sizeof(*out->extra));
	out->extra[out->nextra++] = s;
	site_of[loc] = s;
	return s;
}

/* A candidate's sites in report order: allocations, then name and line. */
static int cmp_site_ptrs(const void *pa, const void *pb)
{
	const struct an_site *a = *(const struct an_site *const *)pa;
	const struct an_site *b = *(const struct an_site *const *)pb;
	int c;

	if (a->allocs != b->allocs)
		return a->allocs > b->allocs ? -1 : 1;
	if ((c = strcmp(a->function, b->function)) != 0)
		return c;
	return (a->line > b->line) - (a->line < b->line);
}

static int cmp_entries(const void *pa, const void *pb)
{
	const struct an_candidate *a = pa, *b = pb;
	int c;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->est_cpu_saving != b->est_cpu_saving)
		return a->est_cpu_saving > b->est_cpu_saving ? -1 : 1;
	if (a->objects != b->objects)
		return a->objects > b->objects ? -1 : 1;
	if (a->has_scope != b->has_scope)
		return b->has_scope - a->has_scope;
	if (a->has_scope && (c = strcmp(a->scope.function, b->scope.function)) != 0)
		return c;
	if ((c = strcmp(a->sites[0]->function, b->sites[0]->function)) != 0)
		return c;
	if ((c = strcmp(a->sites[0]->module, b->sites[0]->module)) != 0)
		return c;
	return a->sites[0]->line < b->sites[0]->line ? -1 : a->sites[0]->line > b->sites[0]->line;
}

/* Builds the entries: one per joined scope, one per rejected site. */
static void build(struct an_candidates *out, const struct cand_data *d, const struct an_info *info,
		  const struct an_site **site_of, const long long *freed_at,
		  const struct site_verdict *sv)
{
	size_t *entry_of_scope = an_malloc((d->scopes.n + 1) * sizeof(*entry_of_scope));
	uint32_t **idx, l, s;
	size_t *nidx, i, e;

	for (s = 0; s < d->scopes.n; s++)
		entry_of_scope[s] = SIZE_MAX;
	out->v = an_malloc((d->locs.n + d->scopes.n + 1) * sizeof(*out->v));
	/* entries and their sites */
	for (l = 0; l < d->locs.n; l++) {
		const struct site_verdict *v = &sv[l];
		struct an_candidate *c;

		if (v->entry == SIZE_MAX) /* not an allocation site of sampled objects */
			continue;
		if (v->scope != CAND_NO_ID && entry_of_scope[v->scope] != SIZE_MAX) {
			c = &out->v[entry_of_scope[v->scope]];
		} else {
			c = &out->v[out->n];
			memset(c, 0, sizeof(*c));
			c->verdict = v->verdict;
			c->is_scope = v->scope != CAND_NO_ID;
			if (c->is_scope)
				entry_of_scope[v->scope] = out->n;
			out->n++;
		}
		c->sites = an_realloc(c->sites, (c->nsites + 1) * sizeof(*c->sites));
		c->sites[c->nsites++] = site_for(out, d, site_of, l);
	}
	/* each entry's objects */
	idx = an_malloc((out->n + 1) * sizeof(*idx));
	nidx = an_malloc((out->n + 1) * sizeof(*nidx));
	memset(nidx, 0, (out->n + 1) * sizeof(*nidx));
	for (e = 0; e < out->n; e++)
		idx[e] = an_malloc((d->n + 1) * sizeof(**idx));
	for (i = 0; i < d->n; i++) {
		const struct site_verdict *v = &sv[d->objs[i].site];

		e = v->scope != CAND_NO_ID ? entry_of_scope[v->scope] : v->entry;
		idx[e][nidx[e]++] = (uint32_t)i;
	}
	for (e = 0; e < out->n; e++) {
		struct an_candidate *c = &out->v[e];
		uint32_t scope = CAND_NO_ID, loc;

		if (c->is_scope)
			scope = sv[d->objs[idx[e][0]].site].scope;
		if (c->nsites > 1)
			qsort(c->sites, c->nsites, sizeof(*c->sites), cmp_site_ptrs);
		loc = common_scope_loc(d, idx[e], nidx[e], scope);
		if (loc != CAND_NO_ID) {
			c->has_scope = 1;
			loc_copy(&c->scope, &d->loc[loc]);
		}
		c->probed = scope != CAND_NO_ID && d->scope_probed[scope];
		c->probe_never_returned = c->probed && d->scope_probed[scope] == 2;
		cand_measure(d, idx[e], nidx[e], scope, c);
		cand_loop(d, idx[e], nidx[e], scope, c); /* per-iteration bytes before the score */
		cand_cpu_saving(d, idx[e], nidx[e], scope, info, site_of, freed_at, c);
		cand_score(info, c);
		cand_words(d, c);
		free(idx[e]);
	}
	free(idx);
	free(nidx);
	free(entry_of_scope);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_entries);
}

/* Sites too few to judge alone are judged together with the other such sites whose objects the
 * same scope encloses: a wrapper folded into its callers splits one site's objects among them
 * (redis's zmalloc: 22 sampled objects under processInputBuffer became 14 at
 * createEmbeddedStringObject and 8 at processMultibulkBuffer), and the evidence for the scope is
 * all of them. When their objects with a known end reach CAND_MIN_OBJECTS, they join it. */
static void pool_small_sites(const struct cand_data *d, struct site_verdict *sv)
{
	size_t *pooled = an_malloc((d->scopes.n + 1) * sizeof(*pooled));
	uint32_t l;

	memset(pooled, 0, (d->scopes.n + 1) * sizeof(*pooled));
	for (l = 0; l < d->locs.n; l++)
		if (sv[l].entry != SIZE_MAX && sv[l].verdict == CAND_TOO_FEW &&
		    sv[l].small_scope != CAND_NO_ID)
			pooled[sv[l].small_scope] += sv[l].decided;
	for (l = 0; l < d->locs.n; l++)
		if (sv[l].entry != SIZE_MAX && sv[l].verdict == CAND_TOO_FEW &&
		    sv[l].small_scope != CAND_NO_ID &&
		    pooled[sv[l].small_scope] >= CAND_MIN_OBJECTS) {
			sv[l].scope = sv[l].small_scope;
			sv[l].verdict = CAND_JOINED;
		}
	free(pooled);
}

int an_candidates_load(sqlite3 *db, const char *path, const struct an_info *info,
		       const struct an_sites *sites, struct an_candidates *out)
{
	const struct an_site **site_of;
	struct site_verdict *sv;
	struct cand_data d;
	long long *freed_at;
	uint32_t *order, l;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	if (cand_data_load(db, path, &d))
		return -1;
	out->objects = (long long)d.n;
	out->arena_cost_fraction = d.cost_fraction;
	out->calib_malloc_free_ns = d.calib_malloc_free_ns;
	out->calib_arena_ns = d.calib_arena_ns;
	out->inplace_malloc_free_ns = d.inplace_malloc_free_ns;
	out->inplace_arena_ns = d.inplace_arena_ns;
	out->inplace_spread = d.inplace_spread;
	out->arena_cost_fraction_sd = d.cost_fraction_sd;
	out->track_every = d.track_every;
	if (d.n == 0) {
		cand_data_free(&d);
		return 0;
	}
	/* the report's sites by location id (interning adds the sites without objects) */
	for (i = 0; i < sites->n; i++) {
		const struct an_site *s = &sites->v[i];

		cand_loc_intern(&d, s->function, s->file, s->has_line, s->line, s->module);
	}
	site_of = an_malloc((d.locs.n + 1) * sizeof(*site_of));
	memset(site_of, 0, (d.locs.n + 1) * sizeof(*site_of));
	for (i = 0; i < sites->n; i++) {
		const struct an_site *s = &sites->v[i];

		site_of[cand_loc_intern(&d, s->function, s->file, s->has_line, s->line,
					s->module)] = s;
	}
	/* sampled objects freed at each location (every class but censored) */
	freed_at = an_malloc((d.locs.n + 1) * sizeof(*freed_at));
	memset(freed_at, 0, (d.locs.n + 1) * sizeof(*freed_at));
	for (i = 0; i < d.n; i++)
		if (d.objs[i].free_site != CAND_NO_ID)
			freed_at[d.objs[i].free_site]++;
	/* per site verdicts */
	sv = an_malloc((d.locs.n + 1) * sizeof(*sv));
	for (l = 0; l < d.locs.n; l++) {
		sv[l].scope = sv[l].small_scope = CAND_NO_ID;
		sv[l].entry = SIZE_MAX;
		sv[l].decided = 0;
	}
	order = an_malloc(d.n * sizeof(*order));
	for (i = 0; i < d.n; i++)
		order[i] = (uint32_t)i;
	sort_data = &d;
	qsort(order, d.n, sizeof(*order), cmp_site_scope);
	for (i = 0; i < d.n; i = j) {
		uint32_t site = d.objs[order[i]].site;

		for (j = i; j < d.n && d.objs[order[j]].site == site; j++)
			;
		qsort(order + i, j - i, sizeof(*order), cmp_class_scope);
		judge_site(&d, order + i, j - i, &sv[site]);
		sv[site].entry = 0; /* a site of sampled objects: numbered below */
	}
	pool_small_sites(&d, sv);
	/* entries in the order build makes them: by location id, one per scope, one per rejected
	 * site */
	{
		size_t n = 0;
		size_t *scope_seen = an_malloc((d.scopes.n + 1) * sizeof(*scope_seen));

		for (l = 0; l < d.scopes.n; l++)
			scope_seen[l] = 0;
		for (l = 0; l < d.locs.n; l++) {
			if (sv[l].entry == SIZE_MAX)
				continue;
			if (sv[l].scope != CAND_NO_ID) {
				if (!scope_seen[sv[l].scope]++)
					n++;
				continue;
			}
			sv[l].entry = n++;
		}
		free(scope_seen);
	}
	build(out, &d, info, site_of, freed_at, sv);
	free(order);
	free(sv);
	free(freed_at);
	free(site_of);
	cand_data_free(&d);
	if (cand_free_walks(db, path, out)) {
		an_candidates_free(out);
		return -1;
	}
	return 0;
}

static void loc_free(struct an_loc *l)
{
	free(l->function);
	free(l->file);
	free(l->module);
}

void an_candidates_free(struct an_candidates *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		loc_free(&c->v[i].scope);
		loc_free(&c->v[i].loop_alloc);
		loc_free(&c->v[i].loop_free);
		free(c->v[i].loop_function);
		free(c->v[i].loop_probe_call);
		free(c->v[i].loop_verify_command);
		free(c->v[i].sites);
		free(c->v[i].free_function);
		free(c->v[i].walk_function);
		free(c->v[i].reason);
		free(c->v[i].recommendation);
	}
	free(c->v);
	for (i = 0; i < c->nextra; i++) {
		free(c->extra[i]->function);
		free(c->extra[i]->file);
		free(c->extra[i]->module);
		free(c->extra[i]);
	}
	free(c->extra);
	memset(c, 0, sizeof(*c));
}
