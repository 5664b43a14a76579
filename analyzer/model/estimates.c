/* estimates.c: extrapolates a windowed profile's counts to the whole recording. The windows
 * stratify the recording's time: window i stands for the stretch from halfway after the previous
 * window to halfway before the next (T_i), and saw n_i calls in an exposure E_i (its armed time,
 * converted by the agent to the time the target would have needed without the probes). The
 * windows are grouped into strata of 8 consecutive ones; a stratum's rate is the ratio estimator
 * sum n / sum E and it stands for the sum of its windows' T_i: windows that are dense while the
 * target is idle and sparse while it is busy weigh by the time they stand for, not by their
 * number. The variance is the strata's ratio-estimator variances (windows as clusters), the
 * interval widened by the probe cost's bounds (the agent's low and high exposures). When the probes slowed
 * the target more than 2x inside the windows, the conversion to undisturbed time is a small
 * difference of large numbers: the estimate is then the armed-time rate, a lower bound (probes
 * only slow), up to 500 times that. Sites get the same from their per-window counts
 * (window_stats). An interval spanning more than AN_MAX_SPAN times is not stated ("unknown"); a
 * second estimator, independent of the windows' exposures, comes from the CPU samples taken in
 * allocation calls between them (cpu_estimate.h: calibrated in place from the sites the windows
 * counted reliably, else bounded by the agent's tight loop). See docs/design.md "Overhead budget",
 * "Estimates that say something" and docs/report-json.md. */
#define _POSIX_C_SOURCE 200809L
#include "report_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "cpu_estimate.h"
#include "cpu_share.h"

#define MAX_SLOWDOWN 500 /* the agent's floor on a window's undisturbed share (0.002) */

/* The windows in id order. */
struct exposures {
	long long k;
	long long *id;
	double *t, *e, *elo, *ehi, *armed; /* ns */
	double *n_allocs, *n_bytes;
	double duration_ns, armed_sum, e_sum;
};

/* One stratum, windows [from, to): its ratio estimate sum n / sum E times the time it stands
 * for, the variance of that (the ratio estimator's, windows as clusters), and the same with the
 * probe cost's bounds and with the armed time (the lower bound). */
struct stratum_sums {
	double v, var, lo, hi, floor;
	long long df; /* degrees of freedom of var: windows minus strata */
};

/* Student's t quantile for the normal quantile z and df degrees of freedom (the Cornish-Fisher
 * expansion: 3% under the table at 5 df, within 0.5% from 10 df on): a variance estimated from a few dozen
 * windows makes a normal interval too narrow (agent_windows_steady missed its truth by under
 * 1% in 2 of 15 runs with z). */
static double t_quantile(double z, long long df)
{
	double d = (double)(df < 1 ? 1 : df), z3 = z * z * z, z5 = z3 * z * z;

	return z + (z3 + z) / (4 * d) + (5 * z5 + 16 * z3 + 3 * z) / (96 * d * d);
}

static void stratum(const struct exposures *x, const double *n, long long from, long long to,
		    struct stratum_sums *out)
{
	double sn = 0, se = 0, slo = 0, shi = 0, sa = 0, t = 0, ss = 0, r;
	long long g = to - from;

	for (long long i = from; i < to; i++) {
		sn += n[i];
		se += x->e[i];
		slo += x->elo[i];
		shi += x->ehi[i];
		sa += x->armed[i];
		t += x->t[i];
	}
	if (se <= 0)
		return;
	r = sn / se;
	for (long long i = from; i < to; i++)
		ss += (n[i] - r * x->e[i]) * (n[i] - r * x->e[i]);
	out->v += t * r;
	out->var += g > 1 ? t * t * (double)g / (double)(g - 1) * ss / (se * se) : t * t * r * r;
	out->df += g - 1;
	out->lo += shi > 0 ? t * sn / shi : 0;
	out->hi += slo > 0 ? t * sn / slo : 0;
	out->floor += sa > 0 ? t * sn / sa : 0;
}

/* The estimate of a quantity seen n[i] times in window i (dense over the k windows): strata of
 * STRATUM consecutive windows (the last one takes the remainder). */
#define STRATUM 8
static struct an_estimate estimate(const struct exposures *x, const double *n)
{
	struct an_estimate est = { 0 };
	struct stratum_sums s = { 0 };
	double seen = 0, se;
	long long i;

	if (x->k == 0 || x->e_sum <= 0)
		return est;
	for (i = 0; i < x->k; i++)
		seen += n[i];
	for (i = 0; i < x->k;) {
		long long to = x->k - i < 2 * STRATUM ? x->k : i + STRATUM;

		stratum(x, n, i, to, &s);
		i = to;
	}
	se = sqrt(s.var);
	est.present = 1;
	est.reliable = x->armed_sum <= 2 * x->e_sum;
	if (!est.reliable) { /* lower bound: the rate while slowed by the probes */
		s.v = s.lo = s.floor;
		s.hi = s.floor * MAX_SLOWDOWN;
		se = 0;
	}
	est.value = s.v < seen ? seen : s.v; /* what was seen happened */
	est.lo = fmax(seen, s.lo - t_quantile(1.96, s.df) * se);
	est.hi = fmax(est.value, s.hi + t_quantile(1.96, s.df) * se);
	est.lo99 = fmax(seen, s.lo - t_quantile(2.576, s.df) * se);
	est.hi99 = fmax(est.hi, s.hi + t_quantile(2.576, s.df) * se);
	est.per_s = x->duration_ns > 0 ? est.value / (x->duration_ns / 1e9) : 0;
	/* an interval over 10x says nothing: a burst target's came out at 1,227 - 39,718 for 60 M */
	est.unknown = est.hi > AN_MAX_SPAN * fmax(est.lo, 1);
	return est;
}

static void grow(struct exposures *x, long long cap)
{
	double **arrays[] = {
		&x->t, &x->e, &x->elo, &x->ehi, &x->armed, &x->n_allocs, &x->n_bytes
	};

	x->id = an_realloc(x->id, (size_t)cap * sizeof(*x->id));
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
		*arrays[i] = an_realloc(*arrays[i], (size_t)cap * sizeof(double));
}

/* T_i from the windows' middles: halfway to the neighbours, the first from 0, the last to the
 * end of the recording. */
static void stand_for(struct exposures *x, const double *mid)
{
	for (long long i = 0; i < x->k; i++) {
		double from = i > 0 ? (mid[i - 1] + mid[i]) / 2 : 0;
		double to = i + 1 < x->k ? (mid[i] + mid[i + 1]) / 2 : fmax(x->duration_ns, mid[i]);

		x->t[i] = to > from ? to - from : 0;
	}
}

static int load_windows(sqlite3 *db, const char *path, struct an_info *info, struct exposures *x)
{
	static const char sql[] = "SELECT id, exposure_ns, exposure_lo_ns, exposure_hi_ns, allocs, "
				  "bytes, armed_ns, tail_ns, start_ns FROM windows ORDER BY id";
	sqlite3_stmt *st;
	double *mid = NULL;
	long long cap = 0;
	int rc;

	if (an_db_prepare(db, path, "windows", sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long i = x->k++;

		if (x->k > cap) {
			cap = cap ? 2 * cap : 256;
			grow(x, cap);
			mid = an_realloc(mid, (size_t)cap * sizeof(*mid));
		}
		x->id[i] = sqlite3_column_int64(st, 0);
		x->e[i] = (double)sqlite3_column_int64(st, 1);
		x->elo[i] = (double)sqlite3_column_int64(st, 2);
		x->ehi[i] = (double)sqlite3_column_int64(st, 3);
		x->n_allocs[i] = (double)sqlite3_column_int64(st, 4);
		x->n_bytes[i] = (double)sqlite3_column_int64(st, 5);
		x->armed[i] = (double)sqlite3_column_int64(st, 6);
		mid[i] = (double)sqlite3_column_int64(st, 8) + x->armed[i] / 2;
		x->armed_sum += x->armed[i];
		x->e_sum += x->e[i];
		info->win.armed_s += x->armed[i] / 1e9;
		info->win.tail_s += (double)sqlite3_column_int64(st, 7) / 1e9;
	}
	if (rc != SQLITE_DONE)
		an_db_error(db, path, "windows");
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE && x->k)
		stand_for(x, mid);
	free(mid);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The index of window id (ids are sorted), or -1. */
static long long window_index(const struct exposures *x, long long id)
{
	long long lo = 0, hi = x->k - 1;

	while (lo <= hi) {
		long long m = (lo + hi) / 2;

		if (x->id[m] == id)
			return m;
		if (x->id[m] < id)
			lo = m + 1;
		else
			hi = m - 1;
	}
	return -1;
}

static int same(const char *a, const unsigned char *b, const char *null_as)
{
	return strcmp(a, b ? (const char *)b : null_as) == 0;
}

/* Is a window_stats row (by its frame at the site position, site_fold.h) of site s? */
static int matches(const struct an_site *s, sqlite3_stmt *st)
{
	int has_line = sqlite3_column_type(st, 4) != SQLITE_NULL;

	return same(s->function, sqlite3_column_text(st, 2), AN_UNKNOWN) &&
	       same(s->module, sqlite3_column_text(st, 5), AN_UNKNOWN) &&
	       ((!s->file && sqlite3_column_type(st, 3) == SQLITE_NULL) ||
		(s->file && sqlite3_column_text(st, 3) &&
		 same(s->file, sqlite3_column_text(st, 3), ""))) &&
	       s->has_line == has_line && (!has_line || s->line == sqlite3_column_int64(st, 4));
}

static struct an_site *find_site(struct an_sites *sites, sqlite3_stmt *st)
{
	for (size_t i = 0; i < sites->n; i++)
		if (matches(&sites->v[i], st))
			return &sites->v[i];
	return NULL;
}

/* Per site: the window counts of its stacks, summed per window into a dense array (rows come
 * by site, then window), then the estimate. */
static int load_sites(sqlite3 *db, const char *path, struct an_sites *sites,
		      const struct exposures *x)
{
	static const char sql[] =
		"SELECT w.window_id, w.allocs, f.function, f.file, f.line, m.path "
		"FROM window_stats w "
		"LEFT JOIN stack_frames sf ON sf.stack_id = w.stack_id "
		"AND sf.pos = ap_site_pos(w.stack_id) "
		"LEFT JOIN frames f ON f.id = sf.frame_id "
		"LEFT JOIN modules m ON m.id = f.module_id "
		"ORDER BY f.function, f.file, f.line, m.path, w.window_id";
	double *n = an_malloc(((size_t)x->k + 1) * sizeof(*n));
	struct an_site *cur = NULL;
	sqlite3_stmt *st;
	int rc;

	memset(n, 0, ((size_t)x->k + 1) * sizeof(*n));
	if (an_db_prepare(db, path, "window counts", sql, &st)) {
		free(n);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct an_site *site = cur;
		long long i = window_index(x, sqlite3_column_int64(st, 0));

		if (!cur || !matches(cur, st))
			site = find_site(sites, st);
		if (site != cur) {
			if (cur)
				cur->est_allocs = estimate(x, n);
			memset(n, 0, ((size_t)x->k + 1) * sizeof(*n));
			cur = site;
		}
		if (i >= 0)
			n[i] += (double)sqlite3_column_int64(st, 1);
	}
	if (cur)
		cur->est_allocs = estimate(x, n);
	if (rc != SQLITE_DONE)
		an_db_error(db, path, "window counts");
	sqlite3_finalize(st);
	free(n);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* A positive number from meta key, or 0. */
static double meta_number(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st;
	double v = 0;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v > 0 && v < 1e6 ? v : 0;
}

/* Does site s calibrate the CPU estimate in place: the windows counted it (exactly inside
 * them) and their estimate of it holds (reliable, an interval of at most AN_MAX_SPAN)? */
static int calibrates(const struct an_site *s)
{
	const struct an_estimate *e = &s->est_allocs;

	return e->present && e->reliable && !e->unknown && s->allocs > 0 &&
	       s->alloc_call_samples > 0;
}

struct cal_sums {
	double outside, lo, hi, samples;
};

/* Adds (sign 1) or takes out (-1) site s; its samples scaled by share (cpu_estimates). */
static void add_site(struct cal_sums *c, const struct an_site *s, double share, double sign)
{
	const struct an_estimate *e = &s->est_allocs;
	double seen = (double)s->allocs;

	c->outside += sign * fmax(e->value - seen, 0);
	c->lo += sign * fmax(e->lo - seen, 0);
	c->hi += sign * fmax(e->hi - seen, 0);
	c->samples += sign * (double)s->alloc_call_samples * share;
}

/* The calibration for an estimate: in place from sums when they allow it, else the tight
 * loop's bound. */
static const struct cpu_calibration *pick(const struct cal_sums *c, double freq,
					  const struct cpu_calibration *loop,
					  struct cpu_calibration *buf)
{
	if (cpu_calibrate_in_place(c->outside, c->lo, c->hi, c->samples, freq, buf) == 0)
		return buf;
	return loop;
}

/* The second estimator for the total and every site with allocation-call samples. A site is
 * calibrated in place by the other calibrating sites (leave one out: its own estimate would
 * agree with itself); the total by all of them (so the total's agreement is 1 by construction
 * then). A site no window saw gets an estimate object of its own: the windows' part of it is
 * 0 and unknown, the CPU samples' part is what there is. Samples in allocation calls whose
 * stack reached no site are shared out in proportion. */
static void cpu_estimates(sqlite3 *db, struct an_info *info, struct an_sites *sites)
{
	const struct an_cpu *c = &info->cpu;
	struct cpu_calibration loop = { 0 }, buf;
	const struct cpu_calibration *cal;
	struct cal_sums all = { 0 };
	double freq = c->has_freq ? (double)c->freq : 0, total, attributed = 0, share = 1;

	total = (double)c->split[CPU_MALLOC - CPU_MALLOC] +
		(double)c->split[CPU_REALLOC - CPU_MALLOC];
	if (!(freq > 0) || !(total > 0))
		return;
	cpu_calibrate_tight_loop(meta_number(db, "calib_call_ns"),
				 meta_number(db, "calib_malloc_free_ns"), freq, &loop);
	for (size_t i = 0; i < sites->n; i++)
		attributed += (double)sites->v[i].alloc_call_samples;
	if (attributed > 0 && total > attributed)
		share = total / attributed;
	for (size_t i = 0; i < sites->n; i++)
		if (calibrates(&sites->v[i]))
			add_site(&all, &sites->v[i], share, 1);
	cal = pick(&all, freq, &loop, &buf);
	if (cpu_contradicts_windows(cal, (double)info->allocs, total, &info->win.allocs)) {
		info->win.allocs.unknown = info->win.allocs.contradicted = 1;
		info->win.bytes.unknown = info->win.bytes.contradicted = 1;
	}
	cpu_estimate_apply(cal, (double)info->allocs, total, &info->win.allocs);
	for (size_t i = 0; i < sites->n; i++) {
		struct an_site *s = &sites->v[i];
		struct cal_sums others = all;

		if (s->alloc_call_samples <= 0)
			continue;
		if (calibrates(s))
			add_site(&others, s, share, -1);
		cal = pick(&others, freq, &loop, &buf);
		if (!cal->source)
			continue;
		if (!s->est_allocs.present) { /* no window saw it */
			memset(&s->est_allocs, 0, sizeof(s->est_allocs));
			s->est_allocs.present = 1;
			s->est_allocs.reliable = info->win.allocs.reliable;
			s->est_allocs.unknown = 1;
		}
		if (cpu_contradicts_windows(cal, (double)s->allocs,
					    (double)s->alloc_call_samples * share, &s->est_allocs))
			s->est_allocs.unknown = s->est_allocs.contradicted = 1;
		cpu_estimate_apply(cal, (double)s->allocs, (double)s->alloc_call_samples * share,
				   &s->est_allocs);
	}
}

int an_estimates_load(sqlite3 *db, const char *path, struct an_info *info, struct an_sites *sites)
{
	struct exposures x = { 0 };
	int rc;

	if (!info->mode || strcmp(info->mode, "windowed"))
		return 0;
	info->win.present = 1;
	x.duration_ns = info->has_duration ? info->duration_s * 1e9 : 0;
	rc = load_windows(db, path, info, &x);
	if (!rc) {
		info->win.count = x.k;
		info->win.exposure_s = x.e_sum / 1e9;
		info->win.window_slowdown = x.e_sum > 0 ? x.armed_sum / x.e_sum : 0;
		info->win.allocs = estimate(&x, x.n_allocs);
		info->win.bytes = estimate(&x, x.n_bytes);
		rc = load_sites(db, path, sites, &x);
		if (!rc)
			cpu_estimates(db, info, sites);
	}
	free(x.id);
	free(x.t);
	free(x.e);
	free(x.elo);
	free(x.ehi);
	free(x.armed);
	free(x.n_allocs);
	free(x.n_bytes);
	return rc;
}

static int to_count(const char *path, double v, long long *out)
{
	if (!(v >= 0 && v < 9.2e18)) {
		an_err("%s: an estimate does not fit a count", path);
		return -1;
	}
	*out = (long long)(v + 0.5);
	return 0;
}

int an_use_estimates(const char *path, struct an_info *info, struct an_sites *sites)
{
	double scale;

	if (!info->win.present)
		return 0;
	scale = info->allocs > 0 ? info->win.allocs.value / (double)info->allocs : 1;
	if (to_count(path, info->win.allocs.value, &info->allocs) ||
	    to_count(path, info->win.bytes.value, &info->bytes) ||
	    to_count(path, (double)info->frees * scale, &info->frees) ||
	    to_count(path, (double)info->recorded_allocs * scale, &info->recorded_allocs) ||
	    to_count(path, (double)info->recorded_bytes * scale, &info->recorded_bytes))
		return -1;
	for (size_t i = 0; i < sites->n; i++) {
		struct an_site *s = &sites->v[i];
		double k;

		if (!s->est_allocs.present || s->allocs <= 0)
			continue;
		k = s->est_allocs.value / (double)s->allocs;
		if (to_count(path, s->est_allocs.value, &s->allocs) ||
		    to_count(path, (double)s->bytes * k, &s->bytes))
			return -1;
	}
	return 0;
}
