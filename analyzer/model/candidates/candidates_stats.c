/* candidates_stats.c: the numbers of one candidate (or rejected site) from its sampled objects:
 * shares by class, verification, objects/s, bytes per scope invocation, lifetimes, the free
 * path, the memory an arena would hold (arena_memory.c); then its allocator CPU, the predicted
 * saving in parts (savings.c) and score. Formulas: analyzer/README.md, "Arena candidates". */
#define _POSIX_C_SOURCE 200809L
#include "candidates_data.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "an_util.h"

static int cmp_ll(const void *pa, const void *pb)
{
	long long a = *(const long long *)pa, b = *(const long long *)pb;

	return (a > b) - (a < b);
}

/* An invocation's objects: same key, and (without an invocation id) overlapping in time. */
struct inv_obj {
	long long k1;
	uint64_t k2;
	long long alloc_ns, free_ns, size;
};

static int cmp_inv(const void *pa, const void *pb)
{
	const struct inv_obj *a = pa, *b = pb;

	if (a->k1 != b->k1)
		return a->k1 < b->k1 ? -1 : 1;
	if (a->k2 != b->k2)
		return a->k2 < b->k2 ? -1 : 1;
	return (a->alloc_ns > b->alloc_ns) - (a->alloc_ns < b->alloc_ns);
}

static int enclosed(const struct cand_obj *o, uint32_t scope)
{
	return o->cls == OBJ_SCOPED && (scope == CAND_NO_ID || o->scope == scope);
}

static long long mul_sat(long long a, long long b)
{
	return (b != 0 && a > LLONG_MAX / b) ? LLONG_MAX : a * b;
}

/* Bytes per scope invocation: verified, the enclosed objects grouped by alloc_inv; else by
 * (alloc thread, scope CFA), a new invocation starting at an object allocated after every
 * earlier object of the group was freed. Each group's sampled bytes times track_every. */
static void bytes_per_scope(const struct cand_data *d, const uint32_t *idx, size_t n,
			    uint32_t scope, struct an_candidate *c)
{
	struct inv_obj *v = an_malloc((n + 1) * sizeof(*v));
	struct mem_obj *mo = an_malloc((n + 1) * sizeof(*mo));
	long long *sums = an_malloc((n + 1) * sizeof(*sums)), te, end = 0;
	size_t m = 0, ns = 0, i;

	te = d->track_every > 0 ? d->track_every : 1;
	for (i = 0; i < n; i++) {
		const struct cand_obj *o = &d->objs[idx[i]];

		if (!enclosed(o, scope) || (c->verified && !o->has_inv))
			continue;
		v[m].k1 = c->verified ? o->alloc_inv : o->tid;
		v[m].k2 = c->verified ? 0 : o->scope_cfa;
		v[m].alloc_ns = o->alloc_ns;
		v[m].free_ns = o->free_ns;
		v[m].size = o->size > 0 ? o->size : 0;
		m++;
	}
	if (m > 1)
		qsort(v, m, sizeof(*v), cmp_inv);
	for (i = 0; i < m; i++) {
		int same = i > 0 && v[i].k1 == v[i - 1].k1 && v[i].k2 == v[i - 1].k2 &&
			   (c->verified || v[i].alloc_ns <= end);

		if (!same) {
			sums[ns++] = 0;
			end = v[i].free_ns;
		}
		if (v[i].free_ns > end)
			end = v[i].free_ns;
		if (an_add(&sums[ns - 1], mul_sat(v[i].size, te)))
			sums[ns - 1] = LLONG_MAX;
		mo[i] = (struct mem_obj){ ns - 1, v[i].alloc_ns, v[i].free_ns,
					  mul_sat(v[i].size, te) };
	}
	if (ns > 0) {
		qsort(sums, ns, sizeof(*sums), cmp_ll);
		c->has_bytes = 1;
		c->bytes_p50 = cand_percentile(sums, ns, 50);
		c->bytes_p99 = cand_percentile(sums, ns, 99);
		cand_arena_memory(mo, m, c->bytes_p99, &c->mem);
		c->mem.windows_cut = d->windowed;
	}
	free(mo);
	free(sums);
	free(v);
}

/* The most common function at free stack pos 0, its share of the freed objects, recursion. */
static void free_path(const struct cand_data *d, const uint32_t *idx, size_t n,
		      struct an_candidate *c)
{
	long long *fn = an_malloc((n + 1) * sizeof(*fn));
	size_t m = 0, i, run, best = 0, rec = 0;
	long long best_fn = -1;

	for (i = 0; i < n; i++)
		if (d->objs[idx[i]].free_fn != CAND_NO_ID)
			fn[m++] = d->objs[idx[i]].free_fn;
	if (m > 1)
		qsort(fn, m, sizeof(*fn), cmp_ll);
	for (i = 0; i < m; i += run) {
		for (run = 1; i + run < m && fn[i + run] == fn[i]; run++)
			;
		if (run > best) {
			best = run;
			best_fn = fn[i];
		}
	}
	free(fn);
	if (best_fn < 0)
		return;
	for (i = 0; i < n; i++)
		if (d->objs[idx[i]].free_fn == (uint32_t)best_fn && d->objs[idx[i]].free_recursive)
			rec++;
	c->free_function = an_strdup(d->fns.names[best_fn]);
	c->free_share = (double)best / (double)m;
	c->free_recursive = 2 * rec > best;
}

/* The lifetime histogram's bucket of a lifetime in ns (CAND_LIFE_BUCKETS). */
static int life_bucket(long long ns)
{
	long long limit = 1000;
	int b = 0;

	while (b < CAND_LIFE_BUCKETS - 1 && ns >= limit) {
		b++;
		limit *= 10;
	}
	return b;
}

void cand_measure(const struct cand_data *d, const uint32_t *idx, size_t n, uint32_t scope,
		  struct an_candidate *c)
{
	size_t cls[OBJ_SCOPED + 1] = { 0 }, in = 0, realloc = 0, large = 0, vden = 0, vnum = 0;
	size_t dispatched = 0;
	long long *life = an_malloc((n + 1) * sizeof(*life));
	size_t nlife = 0, i, undetermined = 0;
	double dn;
	struct cand_km km;

	for (i = 0; i < n; i++) {
		const struct cand_obj *o = &d->objs[idx[i]];

		cls[o->cls]++;
		if (o->cls == OBJ_UNDETERMINED) { /* censored young: counted apart (survival.c) */
			undetermined++;
			continue;
		}
		in += enclosed(o, scope);
		dispatched += enclosed(o, scope) && o->dispatched;
		realloc += o->realloc;
		large += o->size >= ARENA_LARGE_OBJECT;
		if (o->cls != OBJ_CENSORED) {
			long long l;

			/* saturated: a corrupt profile gives a wrong number, not UB */
			if (__builtin_sub_overflow(o->free_ns, o->alloc_ns, &l))
				l = o->free_ns > o->alloc_ns ? LLONG_MAX : LLONG_MIN;
			life[nlife++] = l;
			c->life_hist[life_bucket(l)]++;
		}
		/* verification: the freed objects this scope was inferred for */
		if (scope != CAND_NO_ID && o->scope == scope &&
		    (o->cls == OBJ_SCOPED || o->cls == OBJ_ESCAPING)) {
			vden++;
			vnum += o->confirmed;
		}
	}
	/* the shares are of the objects whose fate is known; the rate counts every object */
	c->objects = (long long)(n - undetermined);
	c->censored_objects = (long long)undetermined;
	dn = n > undetermined ? (double)(n - undetermined) : 1.0;
	cand_km(d, idx, n, &km);
	c->has_km = km.present;
	c->km_median_ns = km.median_ns;
	c->km_median_censored = km.median_censored;
	c->enclosed_share = (double)in / dn;
	c->dispatched_share = in ? (double)dispatched / (double)in : 0.0;
	c->escape_share = (double)cls[OBJ_ESCAPING] / dn;
	c->cross_thread_share = (double)cls[OBJ_CROSS] / dn;
	c->long_lived_share = (double)cls[OBJ_CENSORED] / dn;
	c->realloc_share = (double)realloc / dn;
	c->large_share = (double)large / dn;
	c->verified_share = vden ? (double)vnum / (double)vden : 0.0;
	c->verified = c->probed && vden > 0 && c->verified_share >= CAND_VERIFIED_SHARE;
	if (d->track_every > 0 && d->duration_ns > 0) {
		c->has_rate = 1;
		c->objects_per_s =
			(double)n * (double)d->track_every / ((double)d->duration_ns / 1e9);
		if (d->windowed) /* seen in windows only: per second of exposure */
			c->objects_per_s = d->exposure_ns > 0 ? (double)n * (double)d->track_every /
									(d->exposure_ns / 1e9) :
								0;
		c->rate_lower_bound = d->windowed && d->rate_lower_bound;
	}
	if (nlife > 0) {
		qsort(life, nlife, sizeof(*life), cmp_ll);
		c->has_life = 1;
		c->life_p50 = cand_percentile(life, nlife, 50);
		c->life_p99 = cand_percentile(life, nlife, 99);
	}
	free(life);
	free_path(d, idx, n, c);
	if (c->is_scope) {
		bytes_per_scope(d, idx, n, scope, c);
		c->arena_kib = ARENA_MIN_KIB;
		while (c->has_bytes && c->arena_kib * 1024 < c->bytes_p99 &&
		       c->arena_kib < LLONG_MAX / 2048)
			c->arena_kib *= 2;
	}
}

static int is_own_site(const struct an_candidate *c, const struct an_site *s)
{
	size_t i;

	for (i = 0; i < c->nsites; i++)
		if (c->sites[i] == s)
			return 1;
	return 0;
}

void cand_cpu_saving(const struct cand_data *d, const uint32_t *idx, size_t n, uint32_t scope,
		     const struct an_info *info, const struct an_site *const *site_of,
		     const long long *freed_at, struct an_candidate *c)
{
	const struct an_cpu *cpu = &info->cpu;
	long long *fs = an_malloc((n + 1) * sizeof(*fs));
	size_t m = 0, i, run;

	for (i = 0; i < c->nsites; i++) {
		c->alloc_cpu_share += an_cpu_share(cpu, c->sites[i]->alloc_cpu_samples);
		c->pred_in.alloc_samples += (double)c->sites[i]->alloc_cpu_samples;
	}
	/* the free call sites' allocator CPU, in proportion to the enclosed objects freed there */
	for (i = 0; i < n; i++)
		if (enclosed(&d->objs[idx[i]], scope))
			fs[m++] = d->objs[idx[i]].free_site;
	if (m > 1)
		qsort(fs, m, sizeof(*fs), cmp_ll);
	for (i = 0; i < m; i += run) {
		const struct an_site *s = site_of[fs[i]];

		for (run = 1; i + run < m && fs[i + run] == fs[i]; run++)
			;
		if (s && !is_own_site(c, s) && freed_at[fs[i]] > 0) {
			double w = (double)run / (double)freed_at[fs[i]];

			c->free_cpu_share += an_cpu_share(cpu, s->alloc_cpu_samples) * w;
			c->pred_in.free_samples += (double)s->alloc_cpu_samples * w;
			c->pred_in.free_var += (double)s->alloc_cpu_samples * w * w;
		}
	}
	free(fs);
	c->pred_in.samples = (double)(cpu->recorded - cpu->overhead);
	c->pred_in.enclosed_share = c->enclosed_share;
	c->pred_in.objects = (double)c->objects;
	c->pred_in.cost_fraction = d->cost_fraction;
	c->pred_in.cost_fraction_sd = d->cost_fraction_sd;
	c->has_prediction = c->pred_in.samples > 0;
	savings_compute(&c->pred_in, &c->pred);
	c->est_cpu_saving = c->has_prediction ? c->pred.est : 0.0;
}

void cand_score(const struct an_info *info, struct an_candidate *c)
{
	const struct an_cpu *cpu = &info->cpu;
	double penalty, growth = 1.0, base;

	if (c->has_bytes && c->bytes_p99 > ARENA_GROWTH_LIMIT)
		growth = (double)ARENA_GROWTH_LIMIT / (double)c->bytes_p99;
	penalty = (1.0 - c->escape_share) * (1.0 - c->cross_thread_share) *
		  (1.0 - c->long_lived_share) * (1.0 - c->realloc_share) * (1.0 - c->large_share) *
		  growth;
	if (cpu->recorded - cpu->overhead > 0)
		base = c->est_cpu_saving;
	else if (c->has_rate)
		base = c->objects_per_s * c->enclosed_share;
	else
		base = (double)c->objects * c->enclosed_share;
	c->score = c->is_scope ? base * penalty : 0.0;
}
