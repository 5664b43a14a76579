/* diff.h: `arenaprof diff BEFORE AFTER`: two profiles of one program (before and after a change,
 * e.g. an arena), their totals side by side and their call sites matched by (function, file,
 * line), module and addresses ignored (they change between builds). diff_match.c builds the
 * comparison, diff_text.c and diff_json.c render it, cli/diff_cmd.c is the command. */
#ifndef ARENAPROF_DIFF_H
#define ARENAPROF_DIFF_H

#include <stddef.h>
#include <stdio.h>

#include "diff_predict.h"
#include "report_data.h"
#include "site_fold.h"

/* One profile as `report` reads it (an_info_load, an_sites_load, an_cpu_load). */
struct diff_profile {
	const char *path;
	struct an_info info;
	struct an_sites sites;
	struct site_fold fold; /* where its sites are; fold.wrappers: what was folded */
	int has_peak_rss;
	long long peak_rss_kib; /* meta peak_rss_kib */
	/* before: its top candidate's prediction against after (diff_predict.h) */
	struct diff_prediction pred;
};

/* A matched site in one profile: the sum of its sites of every module. */
struct diff_side {
	int present; /* the site exists in this profile (allocations or allocator CPU samples) */
	long long allocs, bytes, alloc_cpu_samples;
	const char *module; /* the module of its largest site (points into the profile), NULL if
			     * absent */
};

enum diff_status { DIFF_BOTH, DIFF_NEW, DIFF_GONE };

struct diff_site {
	const char *function, *file; /* point into the profiles; file NULL without debug info */
	int has_line;
	long long line;
	struct diff_side before, after;
	enum diff_status status;
};

struct diff {
	const struct diff_profile *before, *after;
	struct diff_site *sites; /* sorted: largest drop in allocations per second first */
	size_t nsites, nnew, ngone;
	size_t nbefore, nafter; /* matched sites per profile */
};

/* Matches the sites of both profiles and sorts them (the profiles must outlive d). 0, or -1
 * after an error message when a per-site sum overflows. */
int diff_build(const struct diff_profile *before, const struct diff_profile *after, struct diff *d);
void diff_free(struct diff *d);

/* Derived numbers shared by both renderings. A rate or share that cannot be computed (no
 * duration, no CPU samples, no sampling frequency) returns 0 with *ok = 0. */

/* Recording length in seconds; *ok = 0 when unknown or not positive. */
double diff_seconds(const struct an_info *info, int *ok);
/* v per second of the recording. */
double diff_per_s(const struct an_info *info, long long v, int *ok);
/* Does the profile have CPU samples to compute shares from? */
int diff_has_cpu(const struct an_info *info);
/* Cores used: cpu_samples / cpu_freq / seconds (every sample, the profiler's included). */
double diff_cpu_cores(const struct an_info *info, int *ok);
/* The same without the profiler's overhead: cores * (1 - overhead / recorded samples). */
double diff_cpu_cores_excl_overhead(const struct an_info *info, int *ok);
/* The report's profiler_overhead_share: overhead / recorded samples, 0 without samples. */
double diff_overhead_share(const struct an_info *info);
/* Relative change (after - before) / before; 0 when both are 0; *ok = 0 when before is 0 and
 * after is not. */
double diff_rel(double before, double after, int *ok);

/* The prediction block (diff_predict_text.c, diff_predict_json.c): nothing / null when
 * before has no candidate with a prediction. */
void diff_predict_text(FILE *f, const struct diff *d);
struct json_writer;
void diff_predict_json(struct json_writer *w, const struct diff *d);

/* Text: header, totals block, the first top sites (0: all). */
void diff_text(FILE *f, const struct diff *d, size_t top);
/* The documented JSON (docs/report-json.md, `arenaprof diff --json`); top 0: all sites. 0, or
 * -1 if the JSON writer was misused (a bug). */
int diff_json(FILE *f, const struct diff *d, size_t top);

#endif
