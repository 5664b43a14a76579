/* diff_predict.h: `arenaprof diff` closes the loop of a prediction: the before profile's top
 * arena candidate (with its predicted saving) against what the after profile, recorded on the
 * arena build, measured: CPU saving, allocator CPU share, allocator calls and peak RSS
 * (diff_predict.c; docs/report-json.md, `arenaprof diff --json`, "prediction"). */
#ifndef ARENAPROF_DIFF_PREDICT_H
#define ARENAPROF_DIFF_PREDICT_H

#include <sqlite3.h>

#include "report_data.h"

/* A quantity predicted from before and measured in after; has_*: known. */
struct diff_pq {
	int has_before, has_predicted, has_measured;
	double before, predicted, measured;
};

struct diff_prediction {
	int present; /* before has a scope candidate with a predicted saving */
	char *scope; /* its scope function */
	double saving, saving_lo, saving_hi; /* est_cpu_saving and its 90% interval */
	double with_walk, with_walk_lo, with_walk_hi; /* with the free walk deleted */
	int has_walk;
	/* measured CPU saving: 1 - after's CPU seconds / before's (both recordings of the same
	 * work, e.g. `record -- CMD` with a fixed amount of it) */
	struct diff_pq cpu_s;
	struct diff_pq allocator_share; /* allocator CPU share of each profile's CPU time */
	struct diff_pq allocs_per_s; /* allocator calls per second, every site */
	struct diff_pq peak_rss_kib; /* meta peak_rss_kib; predicted: + memory.rss_change_bytes */
	/* before's numbers the prediction is made from */
	double enclosed_share, removed_share; /* removed: malloc side + free side */
	double site_allocs; /* the candidate's sites' allocations in before */
	long long rss_change_bytes;
	int has_rss_change;
};

/* The before side: its top candidate with a prediction (db open, info and sites loaded with
 * the CPU samples) and its peak RSS. 0, or -1 after an error message. */
int diff_predict_before(sqlite3 *db, const char *path, const struct an_info *info,
			const struct an_sites *sites, struct diff_prediction *p);
/* Peak RSS of a profile (meta peak_rss_kib): 1 and *kib when present, else 0. */
int diff_peak_rss(sqlite3 *db, long long *kib);
struct diff_profile;
/* Fills the predicted and measured columns from both profiles (after_rss: after's peak RSS,
 * has_after_rss 0 when absent). */
void diff_predict_finish(struct diff_prediction *p, const struct diff_profile *before,
			 const struct diff_profile *after, int has_after_rss, long long after_rss);
void diff_prediction_free(struct diff_prediction *p);

#endif
