/* estimates.c: extrapolates a windowed profile's counts to the whole recording. Each window w
 * saw n_w allocations in an exposure E_w (its armed time, corrected by the agent for the time
 * the probes took from saturated threads); the rate is the ratio estimator R = sum n / sum E and
 * the estimate R x duration. The 95% interval combines the window-to-window spread (the ratio
 * estimator's variance over the windows as clusters) with the probe cost's uncertainty (the
 * agent's low and high exposures). Sites get the same from their per-window counts
 * (window_stats). See docs/design.md "Overhead budget" and docs/report-json.md. */
#define _POSIX_C_SOURCE 200809L
#include "report_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"

/* The windows' exposures, indexed by window id. */
struct exposures {
	double *e; /* ns; 0 for ids without a row */
	long long max_id, k;
	double sum, sum2, sum_lo, sum_hi, duration_ns, armed;
};

/* What one quantity (a site's or the total allocations or bytes) summed over the windows. */
struct sums {
	double n, n2, ne;
};

static void add_window(struct sums *s, double n, double e)
{
	s->n += n;
	s->n2 += n * n;
	s->ne += n * e;
}

static struct an_estimate estimate(const struct sums *s, const struct exposures *x)
{
	struct an_estimate est = { 0 };
	double r, ss, var, se;

	if (x->k == 0 || x->sum <= 0)
		return est;
	r = s->n / x->sum;
	ss = s->n2 - 2 * r * s->ne + r * r * x->sum2;
	if (ss < 0)
		ss = 0;
	var = x->k > 1 ? (double)x->k / (double)(x->k - 1) * ss / (x->sum * x->sum) : r * r;
	se = x->duration_ns * sqrt(var);
	est.present = 1;
	est.reliable = x->armed <= 2 * x->sum;
	est.value = r * x->duration_ns;
	est.lo = (x->sum_hi > 0 ? s->n / x->sum_hi : r) * x->duration_ns - 1.96 * se;
	est.hi = (x->sum_lo > 0 ? s->n / x->sum_lo : r) * x->duration_ns + 1.96 * se;
	est.lo99 = (x->sum_hi > 0 ? s->n / x->sum_hi : r) * x->duration_ns - 2.576 * se;
	est.hi99 = (x->sum_lo > 0 ? s->n / x->sum_lo : r) * x->duration_ns + 2.576 * se;
	if (est.lo99 < s->n)
		est.lo99 = s->n;
	if (est.value < s->n) /* what was seen happened */
		est.value = s->n;
	if (est.lo < s->n)
		est.lo = s->n;
	if (est.hi < est.value)
		est.hi = est.value;
	if (est.hi99 < est.hi)
		est.hi99 = est.hi;
	est.per_s = x->duration_ns > 0 ? est.value / (x->duration_ns / 1e9) : 0;
	return est;
}

static int load_windows(sqlite3 *db, const char *path, struct an_info *info, struct exposures *x,
			struct sums *allocs, struct sums *bytes)
{
	static const char sql[] = "SELECT id, exposure_ns, exposure_lo_ns, exposure_hi_ns, allocs, "
				  "bytes, armed_ns, tail_ns FROM windows ORDER BY id";
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "windows", sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		double e = (double)sqlite3_column_int64(st, 1);

		if (id <= 0 || id > 100000000)
			continue;
		if (id > x->max_id) {
			x->e = an_realloc(x->e, (size_t)(id + 1) * sizeof(*x->e));
			memset(x->e + x->max_id + 1, 0, (size_t)(id - x->max_id) * sizeof(*x->e));
			x->max_id = id;
		}
		x->e[id] = e;
		x->k++;
		x->sum += e;
		x->sum2 += e * e;
		x->sum_lo += (double)sqlite3_column_int64(st, 2);
		x->sum_hi += (double)sqlite3_column_int64(st, 3);
		add_window(allocs, (double)sqlite3_column_int64(st, 4), e);
		add_window(bytes, (double)sqlite3_column_int64(st, 5), e);
		info->win.armed_s += (double)sqlite3_column_int64(st, 6) / 1e9;
		x->armed += (double)sqlite3_column_int64(st, 6);
		info->win.tail_s += (double)sqlite3_column_int64(st, 7) / 1e9;
	}
	if (rc != SQLITE_DONE)
		an_db_error(db, path, "windows");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int same(const char *a, const unsigned char *b, const char *null_as)
{
	return strcmp(a, b ? (const char *)b : null_as) == 0;
}

/* Is a window_stats row (by its frame at pos 0) of site s? */
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

/* Per site: the window counts of its stacks, summed per window (rows come by site, then
 * window), into sums, then the estimate. */
static int load_sites(sqlite3 *db, const char *path, struct an_sites *sites,
		      const struct exposures *x)
{
	static const char sql[] =
		"SELECT w.window_id, w.allocs, f.function, f.file, f.line, m.path "
		"FROM window_stats w "
		"LEFT JOIN stack_frames sf ON sf.stack_id = w.stack_id AND sf.pos = 0 "
		"LEFT JOIN frames f ON f.id = sf.frame_id "
		"LEFT JOIN modules m ON m.id = f.module_id "
		"ORDER BY f.function, f.file, f.line, m.path, w.window_id";
	struct an_site *cur = NULL;
	struct sums s = { 0 };
	long long win = -1;
	double n = 0;
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "window counts", sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct an_site *site = cur;
		long long id = sqlite3_column_int64(st, 0);

		if (!cur || !matches(cur, st))
			site = find_site(sites, st);
		if (site != cur || id != win) { /* the previous (site, window) is complete */
			if (cur && win > 0 && win <= x->max_id)
				add_window(&s, n, x->e[win]);
			n = 0;
			win = id;
		}
		if (site != cur) {
			if (cur)
				cur->est_allocs = estimate(&s, x);
			memset(&s, 0, sizeof(s));
			cur = site;
		}
		n += (double)sqlite3_column_int64(st, 1);
	}
	if (cur && win > 0 && win <= x->max_id)
		add_window(&s, n, x->e[win]);
	if (cur)
		cur->est_allocs = estimate(&s, x);
	if (rc != SQLITE_DONE)
		an_db_error(db, path, "window counts");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int an_estimates_load(sqlite3 *db, const char *path, struct an_info *info, struct an_sites *sites)
{
	struct exposures x = { 0 };
	struct sums allocs = { 0 }, bytes = { 0 };
	int rc;

	if (!info->mode || strcmp(info->mode, "windowed"))
		return 0;
	info->win.present = 1;
	x.duration_ns = info->has_duration ? info->duration_s * 1e9 : 0;
	rc = load_windows(db, path, info, &x, &allocs, &bytes);
	if (!rc) {
		info->win.count = x.k;
		info->win.exposure_s = x.sum / 1e9;
		info->win.window_slowdown = x.sum > 0 ? x.armed / x.sum : 0;
		info->win.allocs = estimate(&allocs, &x);
		info->win.bytes = estimate(&bytes, &x);
		rc = load_sites(db, path, sites, &x);
	}
	free(x.e);
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
