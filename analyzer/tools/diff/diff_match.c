/* diff_match.c: the comparison behind `arenaprof diff` (see diff.h): each profile's sites are
 * merged by (function, file, line) across modules, the two lists are joined on that key (a site
 * in one profile only is new or gone), and the result is sorted by the change in allocations per
 * second, largest drop first. Also the derived rates and shares both renderings use. */
#define _POSIX_C_SOURCE 200809L
#include "diff.h"

#include <stdlib.h>
#include <string.h>

#include "an_util.h"

static int cmp_opt(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* (function, file, line): the identity of a site across builds. */
static int cmp_loc(const char *fa, const char *la, int ha, long long lna, const char *fb,
		   const char *lb, int hb, long long lnb)
{
	int c;

	if ((c = strcmp(fa, fb)) != 0)
		return c;
	if ((c = cmp_opt(la, lb)) != 0)
		return c;
	if (ha != hb)
		return ha - hb;
	if (ha && lna != lnb)
		return lna < lnb ? -1 : 1;
	return 0;
}

static int cmp_site_loc(const struct an_site *a, const struct an_site *b)
{
	return cmp_loc(a->function, a->file, a->has_line, a->line, b->function, b->file,
		       b->has_line, b->line);
}

/* By location, then by the report's order (allocs desc, ...: the array index), so the first
 * site of a run is its largest. */
static int cmp_ptr(const void *pa, const void *pb)
{
	const struct an_site *a = *(const struct an_site *const *)pa;
	const struct an_site *b = *(const struct an_site *const *)pb;
	int c = cmp_site_loc(a, b);

	if (c)
		return c;
	return a < b ? -1 : a > b;
}

/* The profile's sites merged by location into out (sorted by location); -1 on overflow. */
static int merge_profile(const struct diff_profile *p, struct diff_site **out, size_t *n)
{
	const struct an_site **v = an_malloc((p->sites.n + 1) * sizeof(*v));
	struct diff_site *m = an_malloc((p->sites.n + 1) * sizeof(*m));
	size_t i, j;
	int rc = 0;

	for (i = 0; i < p->sites.n; i++)
		v[i] = &p->sites.v[i];
	if (p->sites.n > 1)
		qsort(v, p->sites.n, sizeof(*v), cmp_ptr);
	*n = 0;
	for (i = 0; i < p->sites.n; i = j) {
		struct diff_site *d = &m[(*n)++];

		memset(d, 0, sizeof(*d));
		d->function = v[i]->function;
		d->file = v[i]->file;
		d->has_line = v[i]->has_line;
		d->line = v[i]->line;
		d->before.present = 1;
		d->before.module = v[i]->module;
		for (j = i; j < p->sites.n && cmp_site_loc(v[i], v[j]) == 0; j++)
			if (an_add(&d->before.allocs, v[j]->allocs) ||
			    an_add(&d->before.bytes, v[j]->bytes) ||
			    an_add(&d->before.alloc_cpu_samples, v[j]->alloc_cpu_samples))
				rc = -1;
	}
	free(v);
	*out = m;
	if (rc)
		an_err("%s: call site totals overflow", p->path);
	return rc;
}

static int cmp_diff_loc(const struct diff_site *a, const struct diff_site *b)
{
	return cmp_loc(a->function, a->file, a->has_line, a->line, b->function, b->file,
		       b->has_line, b->line);
}

/* A site with its precomputed sort keys. */
struct keyed {
	struct diff_site s;
	double drop; /* change in allocations per second (or in allocations), ascending */
	double cpu; /* change in alloc_cpu_share, ascending */
};

static int cmp_keyed(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;

	if (a->drop != b->drop)
		return a->drop < b->drop ? -1 : 1;
	if (a->cpu != b->cpu)
		return a->cpu < b->cpu ? -1 : 1;
	return cmp_diff_loc(&a->s, &b->s);
}

static void sort_sites(struct diff *d)
{
	const struct an_info *bi = &d->before->info, *ai = &d->after->info;
	struct keyed *k = an_malloc((d->nsites + 1) * sizeof(*k));
	int okb, oka, rate;
	size_t i;

	diff_seconds(bi, &okb);
	diff_seconds(ai, &oka);
	rate = okb && oka; /* per second when both lengths are known, else absolute counts */
	for (i = 0; i < d->nsites; i++) {
		const struct diff_site *s = &d->sites[i];
		int ok;

		k[i].s = *s;
		if (rate)
			k[i].drop = diff_per_s(ai, s->after.allocs, &ok) -
				    diff_per_s(bi, s->before.allocs, &ok);
		else
			k[i].drop = (double)s->after.allocs - (double)s->before.allocs;
		k[i].cpu = an_cpu_share(&ai->cpu, s->after.alloc_cpu_samples) -
			   an_cpu_share(&bi->cpu, s->before.alloc_cpu_samples);
	}
	if (d->nsites > 1)
		qsort(k, d->nsites, sizeof(*k), cmp_keyed);
	for (i = 0; i < d->nsites; i++)
		d->sites[i] = k[i].s;
	free(k);
}

int diff_build(const struct diff_profile *before, const struct diff_profile *after, struct diff *d)
{
	struct diff_site *b = NULL, *a = NULL;
	size_t nb = 0, na = 0, i = 0, j = 0;

	memset(d, 0, sizeof(*d));
	d->before = before;
	d->after = after;
	if (merge_profile(before, &b, &nb) || merge_profile(after, &a, &na)) {
		free(b);
		free(a);
		return -1;
	}
	d->nbefore = nb;
	d->nafter = na;
	d->sites = an_malloc((nb + na + 1) * sizeof(*d->sites));
	while (i < nb || j < na) {
		struct diff_site *s = &d->sites[d->nsites++];
		int c = i >= nb ? 1 : j >= na ? -1 : cmp_diff_loc(&b[i], &a[j]);

		if (c < 0) { /* only before */
			*s = b[i++];
			s->status = DIFF_GONE;
		} else if (c > 0) { /* only after: merged into .before, moved */
			*s = a[j++];
			s->after = s->before;
			memset(&s->before, 0, sizeof(s->before));
			s->status = DIFF_NEW;
		} else {
			*s = b[i++];
			s->after = a[j++].before;
			s->status = DIFF_BOTH;
		}
		if (s->status == DIFF_NEW)
			d->nnew++;
		else if (s->status == DIFF_GONE)
			d->ngone++;
	}
	free(b);
	free(a);
	sort_sites(d);
	return 0;
}

void diff_free(struct diff *d)
{
	free(d->sites);
	memset(d, 0, sizeof(*d));
}

double diff_seconds(const struct an_info *info, int *ok)
{
	*ok = info->has_duration && info->duration_s > 0;
	return *ok ? info->duration_s : 0.0;
}

double diff_per_s(const struct an_info *info, long long v, int *ok)
{
	double s = diff_seconds(info, ok);

	return *ok ? (double)v / s : 0.0;
}

int diff_has_cpu(const struct an_info *info)
{
	return info->cpu.recorded > 0;
}

double diff_cpu_cores(const struct an_info *info, int *ok)
{
	const struct an_cpu *cpu = &info->cpu;
	double s = diff_seconds(info, ok);

	*ok = *ok && diff_has_cpu(info) && cpu->has_freq && cpu->freq > 0;
	return *ok ? (double)cpu->samples / (double)cpu->freq / s : 0.0;
}

double diff_cpu_cores_excl_overhead(const struct an_info *info, int *ok)
{
	const struct an_cpu *cpu = &info->cpu;
	double cores = diff_cpu_cores(info, ok);

	if (!*ok)
		return 0.0;
	return cores * (1.0 - (double)cpu->overhead / (double)cpu->recorded);
}

double diff_overhead_share(const struct an_info *info)
{
	const struct an_cpu *cpu = &info->cpu;

	return cpu->recorded > 0 ? (double)cpu->overhead / (double)cpu->recorded : 0.0;
}

double diff_rel(double before, double after, int *ok)
{
	*ok = before != 0 || after == 0;
	if (before == 0)
		return 0.0;
	return (after - before) / before;
}
