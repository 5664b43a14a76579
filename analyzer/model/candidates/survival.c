/* survival.c: right-censored lifetimes. An object whose end was not seen (its cohort's free probe
 * went, or the recording ended) is censored at the age it had reached then. It is long-lived only
 * if that age is past CAND_LONG_HORIZON_NS; younger, its class is OBJ_UNDETERMINED: it says
 * nothing about escapes or scopes, only that its lifetime is longer than its age. Kaplan-Meier
 * estimates a site's or a scope's lifetime median from its freed and censored objects together.
 * An object still live at the end of the recording inside a scope invocation that was still
 * running (its thread's last followed allocation was made in it) is censored whatever its age.
 * docs/design.md "Lifetime cohorts". */
#define _POSIX_C_SOURCE 200809L
#include "candidates_data.h"

#include <stdlib.h>
#include <string.h>

#include "an_db.h"
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
		if ((age >= 0 && age < CAND_LONG_HORIZON_NS) || o->in_running_scope) {
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

struct site_scope {
	uint32_t site, scope;
};

static int cmp_site_scope(const void *pa, const void *pb)
{
	const struct site_scope *a = pa, *b = pb;

	if (a->site != b->site)
		return a->site < b->site ? -1 : 1;
	return (a->scope > b->scope) - (a->scope < b->scope);
}

/* Each site's most common scope among its scoped objects (CAND_NO_ID: none), by location id. */
static uint32_t *site_scopes(const struct cand_data *d)
{
	uint32_t *best = an_malloc(((size_t)d->locs.n + 1) * sizeof(*best));
	struct site_scope *v = an_malloc((d->n + 1) * sizeof(*v));
	size_t m = 0, i, j, longest = 0;
	uint32_t site = CAND_NO_ID;

	for (i = 0; i <= d->locs.n; i++)
		best[i] = CAND_NO_ID;
	for (i = 0; i < d->n; i++)
		if (d->objs[i].cls == OBJ_SCOPED && d->objs[i].site <= d->locs.n)
			v[m++] = (struct site_scope){ d->objs[i].site, d->objs[i].scope };
	qsort(v, m, sizeof(*v), cmp_site_scope);
	for (i = 0; i < m; i = j) {
		for (j = i; j < m && v[j].site == v[i].site && v[j].scope == v[i].scope; j++)
			;
		if (v[i].site != site) {
			site = v[i].site;
			longest = 0;
		}
		if (j - i > longest) {
			longest = j - i;
			best[site] = v[i].scope;
		}
	}
	free(v);
	return best;
}

static uint64_t blob_u64(sqlite3_stmt *st, int col, long long pos)
{
	const unsigned char *b = sqlite3_column_blob(st, col);
	uint64_t v = 0;

	if (!b || pos < 0 || pos >= sqlite3_column_bytes(st, col) / 8)
		return 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[pos * 8 + i]; /* little-endian u64 */
	return v;
}

/* The CFA of the innermost frame of function fn in module mod on object id's allocation stack
 * (want = 0), or whether one has the CFA want (1 or 0); -1 on a database error. */
static long long frame_cfa(sqlite3_stmt *st, long long id, const struct an_loc *f, uint64_t want)
{
	long long found = 0;
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *fn = (const char *)sqlite3_column_text(st, 1);
		const char *mod = (const char *)sqlite3_column_text(st, 2);
		uint64_t cfa;

		if (!fn || strcmp(fn, f->function) || strcmp(mod ? mod : AN_UNKNOWN, f->module))
			continue;
		cfa = blob_u64(st, 3, sqlite3_column_int64(st, 0));
		if (!want && cfa) {
			found = (long long)cfa;
			break;
		}
		if (want && cfa == want) {
			found = 1;
			break;
		}
	}
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}

struct thread_last {
	long long tid, alloc_ns;
	size_t idx;
};

static int cmp_thread_last(const void *pa, const void *pb)
{
	const struct thread_last *a = pa, *b = pb;

	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return (a->alloc_ns > b->alloc_ns) - (a->alloc_ns < b->alloc_ns);
}

/* The last followed allocation of thread tid: v sorted by thread, then time. */
static const struct cand_obj *thread_last(const struct cand_data *d, const struct thread_last *v,
					  size_t n, long long tid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) { /* the first entry past tid */
		size_t mid = (lo + hi) / 2;

		if (v[mid].tid <= tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && v[lo - 1].tid == tid ? &d->objs[v[lo - 1].idx] : NULL;
}

int cand_running_scopes(sqlite3 *db, const char *path, struct cand_data *d)
{
	struct thread_last *by_thread = NULL;
	static const char sql[] =
		"SELECT sf.pos, f.function, m.path, o.alloc_cfas FROM objects o "
		"JOIN stack_frames sf ON sf.stack_id = o.alloc_stack_id "
		"JOIN frames f ON f.id = sf.frame_id LEFT JOIN modules m ON m.id = f.module_id "
		"WHERE o.id = ? ORDER BY sf.pos";
	uint32_t *best = NULL;
	sqlite3_stmt *st = NULL;
	int rc = 0;

	for (size_t i = 0; i < d->n && !rc; i++) {
		struct cand_obj *o = &d->objs[i];
		const struct cand_obj *last = NULL;
		const struct an_loc *f;
		long long cfa, in;

		/* live at the end of the recording (not censored by a cohort's end), long enough
		 * to be called long-lived otherwise */
		if (o->cls != OBJ_CENSORED || o->free_ns > 0 || censored_age(d, o) < 0 ||
		    censored_age(d, o) < CAND_LONG_HORIZON_NS || o->site > d->locs.n)
			continue;
		if (!best) {
			best = site_scopes(d);
			by_thread = an_malloc((d->n + 1) * sizeof(*by_thread));
			for (size_t k = 0; k < d->n; k++)
				by_thread[k] = (struct thread_last){ d->objs[k].tid,
								     d->objs[k].alloc_ns, k };
			qsort(by_thread, d->n, sizeof(*by_thread), cmp_thread_last);
			if (an_db_prepare(db, path, "scope frames", sql, &st)) {
				rc = -1;
				break;
			}
		}
		if (best[o->site] == CAND_NO_ID || d->scope_fn_loc[best[o->site]] == CAND_NO_ID)
			continue;
		f = &d->loc[d->scope_fn_loc[best[o->site]]];
		last = thread_last(d, by_thread, d->n, o->tid); /* o itself at least */
		cfa = frame_cfa(st, o->id, f, 0);
		if (cfa <= 0) {
			rc = cfa < 0 ? -1 : 0;
			continue;
		}
		in = frame_cfa(st, last->id, f, (uint64_t)cfa);
		if (in < 0)
			rc = -1;
		o->in_running_scope = in > 0;
	}
	if (rc)
		an_db_error(db, path, "scope frames");
	sqlite3_finalize(st);
	free(best);
	free(by_thread);
	return rc;
}
