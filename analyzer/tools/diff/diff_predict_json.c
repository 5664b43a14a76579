/* diff_predict_json.c: "prediction" of `arenaprof diff --json` (docs/report-json.md): before's
 * top candidate's prediction against what after measured (diff_predict.h). */
#define _POSIX_C_SOURCE 200809L
#include "diff.h"

#include "json_writer.h"

static void pq(struct json_writer *w, const char *key, const struct diff_pq *q)
{
	jw_key(w, key);
	jw_begin_object(w);
	jw_key_double(w, "before", q->has_before, q->before);
	jw_key_double(w, "predicted", q->has_predicted, q->predicted);
	jw_key_double(w, "measured", q->has_measured, q->measured);
	jw_end_object(w);
}

void diff_predict_json(struct json_writer *w, const struct diff *d)
{
	const struct diff_prediction *p = &d->before->pred;
	int measured = p->cpu_s.has_before && p->cpu_s.has_measured && p->cpu_s.before > 0;

	jw_key(w, "prediction");
	if (!p->present) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	jw_key(w, "scope");
	jw_string(w, p->scope);
	jw_key_double(w, "est_cpu_saving", 1, p->saving);
	jw_key_interval(w, "est_cpu_saving_ci90", 1, p->saving_lo, p->saving_hi);
	jw_key_double(w, "est_cpu_saving_with_walk", p->has_walk, p->with_walk);
	jw_key_interval(w, "est_cpu_saving_with_walk_ci90", p->has_walk, p->with_walk_lo,
			p->with_walk_hi);
	jw_key_double(w, "measured_cpu_saving", measured,
		      measured ? 1 - p->cpu_s.measured / p->cpu_s.before : 0);
	pq(w, "cpu_s", &p->cpu_s);
	pq(w, "allocator_cpu_share", &p->allocator_share);
	pq(w, "allocs_per_s", &p->allocs_per_s);
	pq(w, "peak_rss_kib", &p->peak_rss_kib);
	jw_end_object(w);
}
