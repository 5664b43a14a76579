/* survival.c: right-censored lifetimes. An object whose end was not seen (its cohort's free probe
 * went, or the recording ended) is censored at the age it had reached then. It is long-lived only
 * if that age is past CAND_LONG_HORIZON_NS; younger, its class is OBJ_UNDETERMINED: it says
 * nothing about escapes or scopes, only that its lifetime is longer than its age. Kaplan-Meier
 * estimates a site's or a scope's lifetime median from its freed and censored objects together.
 * docs/design.md "Lifetime cohorts". */
#define _POSIX_C_SOURCE 200809L
#include "candidates_data.h"

#include <stdlib.h>

#include "an_util.h"

/* The age a censored object reached, -1 when unknown (no recording duration). */
static long long censored_age(const struct cand_data *d, const struct cand_obj *o)
{
	if (o->free_ns > 0) /* censored when its free probe went: that instant */
		return o->free_ns - o->alloc_ns;
	if (d->duration_ns >= 0) /* live at the end of the recording */
		return d->duration_ns > o->alloc_ns ? d->duration_ns - o->alloc_ns : 0;
	return -1;
}

void cand_censoring(struct cand_data *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct cand_obj *o = &d->objs[i];
		long long age;

		if (o->cls != OBJ_CENSORED)
			continue;
		age = censored_age(d, o);
		o->age_ns = age;
		if (age >= 0 && age < CAND_LONG_HORIZON_NS) {
			o->cls = OBJ_UNDETERMINED;
			d->undetermined++;
		}
	}
}

struct km_point {
	long long t;
	int event; /* 1: freed at t, 0: censored at t */
};

static int cmp_km(const void *pa, const void *pb)
{
	const struct km_point *a = pa, *b = pb;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return b->event - a->event; /* events before censorings at the same time */
}

void cand_km(const struct cand_data *d, const uint32_t *idx, size_t n, struct cand_km *out)
{
	struct km_point *v = an_malloc((n + 1) * sizeof(*v));
	size_t m = 0, i, j, at_risk;
	double s = 1.0;

	(void)d;
	out->present = 0;
	out->median_censored = 0;
	out->median_ns = 0;
	out->censored = 0;
	for (i = 0; i < n; i++) {
		const struct cand_obj *o = &d->objs[idx[i]];

		if (o->cls == OBJ_CENSORED || o->cls == OBJ_UNDETERMINED) {
			if (o->age_ns < 0)
				continue;
			v[m++] = (struct km_point){ o->age_ns, 0 };
			out->censored++;
		} else {
			v[m++] = (struct km_point){ o->free_ns - o->alloc_ns, 1 };
		}
	}
	if (m == 0) {
		free(v);
		return;
	}
	qsort(v, m, sizeof(*v), cmp_km);
	out->present = 1;
	at_risk = m;
	for (i = 0; i < m; i = j) {
		size_t deaths = 0;

		for (j = i; j < m && v[j].t == v[i].t; j++)
			deaths += (size_t)v[j].event;
		if (deaths) {
			s *= 1.0 - (double)deaths / (double)at_risk;
			if (s <= 0.5) {
				out->median_ns = v[i].t;
				free(v);
				return;
			}
		}
		at_risk -= j - i;
	}
	/* more than half outlived everything observed: the median is beyond the last time */
	out->median_censored = 1;
	out->median_ns = v[m - 1].t;
	free(v);
}
