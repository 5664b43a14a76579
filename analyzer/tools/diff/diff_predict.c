/* diff_predict.c: predicted against measured for `arenaprof diff` (diff_predict.h). From before:
 * its top scope candidate with a prediction (report's ranking), the parts it removes (malloc and
 * free side: the allocator CPU of its objects), its sites' allocations and the memory model's
 * RSS change. Predicted after: the allocator share without the removed part, of a CPU time
 * smaller by the saving (with the free walk: the arena build deletes it); the candidate's sites'
 * calls less the enclosed share; the peak RSS plus the RSS change. Measured: after's own
 * numbers. */
#define _POSIX_C_SOURCE 200809L
#include "diff_predict.h"

#include <stdlib.h>
#include <string.h>

#include "an_util.h"
#include "candidates.h"
#include "diff.h"
#include "profile_meta.h"

int diff_peak_rss(sqlite3 *db, long long *kib)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, ap_meta_name(AP_META_PEAK_RSS_KIB), -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		found = ap_meta_parse_int((const char *)sqlite3_column_text(st, 0), kib) == 0 &&
			*kib > 0;
	sqlite3_finalize(st);
	return found;
}

/* Allocations of a site for the whole recording: the windows' estimate when it is known. */
static double site_allocs(const struct an_site *s)
{
	if (s->est_allocs.present && !s->est_allocs.unknown)
		return s->est_allocs.value;
	return (double)s->allocs;
}

static int total_allocs(const struct an_info *info, double *v)
{
	if (info->win.present) {
		*v = info->win.allocs.value;
		return info->win.allocs.present && !info->win.allocs.unknown;
	}
	*v = (double)info->allocs;
	return 1;
}

int diff_predict_before(sqlite3 *db, const char *path, const struct an_info *info,
			const struct an_sites *sites, struct diff_prediction *p)
{
	struct an_candidates cands;
	const struct an_candidate *c = NULL;
	long long kib;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->peak_rss_kib.has_before = diff_peak_rss(db, &kib);
	p->peak_rss_kib.before = (double)kib;
	if (an_candidates_load(db, path, info, sites, &cands))
		return -1;
	for (i = 0; i < cands.n && !c; i++) /* by score: the report's first candidate */
		if (cands.v[i].is_scope && cands.v[i].has_prediction)
			c = &cands.v[i];
	if (c) {
		p->present = 1;
		p->scope = an_strdup(c->has_scope ? c->scope.function : AN_UNKNOWN);
		p->saving = c->pred.est;
		p->saving_lo = c->pred.lo;
		p->saving_hi = c->pred.hi;
		p->has_walk = c->walk_function != NULL;
		p->with_walk = c->pred.with_walk;
		p->with_walk_lo = c->pred.with_walk_lo;
		p->with_walk_hi = c->pred.with_walk_hi;
		p->enclosed_share = c->enclosed_share;
		p->removed_share = c->pred.malloc_side + c->pred.free_side;
		for (i = 0; i < c->nsites; i++)
			p->site_allocs += site_allocs(c->sites[i]);
		p->has_rss_change = c->mem.present;
		p->rss_change_bytes = c->mem.rss_change_bytes;
	}
	an_candidates_free(&cands);
	return 0;
}

/* CPU seconds of a profile, the profiler's own samples left out. */
static int cpu_seconds(const struct an_info *info, double *s)
{
	const struct an_cpu *cpu = &info->cpu;

	if (!cpu->has_freq || cpu->freq <= 0 || cpu->recorded - cpu->overhead <= 0)
		return 0;
	*s = (double)(cpu->recorded - cpu->overhead) / (double)cpu->freq;
	return 1;
}

void diff_predict_finish(struct diff_prediction *p, const struct diff_profile *before,
			 const struct diff_profile *after, int has_after_rss, long long after_rss)
{
	const struct an_info *bi = &before->info, *ai = &after->info;
	double saving = p->has_walk ? p->with_walk : p->saving, b, a;
	int ok_b, ok_a;

	p->peak_rss_kib.has_measured = has_after_rss;
	p->peak_rss_kib.measured = (double)after_rss;
	if (!p->present)
		return;
	p->cpu_s.has_before = cpu_seconds(bi, &p->cpu_s.before);
	p->cpu_s.has_measured = cpu_seconds(ai, &p->cpu_s.measured);
	p->cpu_s.has_predicted = p->cpu_s.has_before;
	p->cpu_s.predicted = p->cpu_s.before * (1 - saving);
	if (diff_has_cpu(bi)) {
		double share = an_cpu_share(&bi->cpu, bi->cpu.allocator);

		p->allocator_share.has_before = p->allocator_share.has_predicted = 1;
		p->allocator_share.before = share;
		p->allocator_share.predicted =
			saving < 1 ? (share - p->removed_share) / (1 - saving) : 0;
		if (p->allocator_share.predicted < 0)
			p->allocator_share.predicted = 0;
	}
	if (diff_has_cpu(ai)) {
		p->allocator_share.has_measured = 1;
		p->allocator_share.measured = an_cpu_share(&ai->cpu, ai->cpu.allocator);
	}
	/* calls per second: the candidate's enclosed calls go away */
	if (total_allocs(bi, &b) && total_allocs(ai, &a)) {
		double sb = diff_seconds(bi, &ok_b), sa = diff_seconds(ai, &ok_a);

		if (ok_b && ok_a) {
			p->allocs_per_s.has_before = p->allocs_per_s.has_predicted = 1;
			p->allocs_per_s.has_measured = 1;
			p->allocs_per_s.before = b / sb;
			p->allocs_per_s.predicted = (b - p->site_allocs * p->enclosed_share) / sb;
			if (p->allocs_per_s.predicted < 0)
				p->allocs_per_s.predicted = 0;
			p->allocs_per_s.measured = a / sa;
		}
	}
	if (p->peak_rss_kib.has_before && p->has_rss_change) {
		p->peak_rss_kib.has_predicted = 1;
		p->peak_rss_kib.predicted =
			p->peak_rss_kib.before + (double)p->rss_change_bytes / 1024.0;
	}
}

void diff_prediction_free(struct diff_prediction *p)
{
	free(p->scope);
	p->scope = NULL;
}
