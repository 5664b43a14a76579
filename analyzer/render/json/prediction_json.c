/* prediction_json.c: a candidate's predicted saving in parts with its 90% interval, and the
 * memory an arena would hold, in `report --json` (docs/report-json.md, "Predicted saving and
 * memory"); and the in-place calibration behind the arena's cost. */
#define _POSIX_C_SOURCE 200809L
#include "prediction_json.h"

#include "json_writer.h"

static void num(struct json_writer *w, const char *key, double v)
{
	jw_key(w, key);
	jw_double(w, v);
}

static void parts(struct json_writer *w, const struct an_candidate *c)
{
	jw_key(w, "est_cpu_saving_parts");
	if (!c->has_prediction) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	num(w, "malloc_side", c->pred.malloc_side);
	num(w, "malloc_side_sd", c->pred.sd_malloc);
	num(w, "free_side", c->pred.free_side);
	num(w, "free_side_sd", c->pred.sd_free);
	num(w, "arena_cost", c->pred.arena_cost);
	num(w, "arena_cost_fraction", c->pred_in.cost_fraction);
	num(w, "arena_cost_fraction_sd", c->pred_in.cost_fraction_sd);
	num(w, "free_walk", c->pred.walk);
	num(w, "free_walk_sd", c->pred.sd_walk);
	jw_key(w, "free_walk_function");
	jw_string(w, c->walk_function);
	jw_end_object(w);
}

static void memory(struct json_writer *w, const struct cand_memory *m)
{
	jw_key(w, "memory");
	if (!m->present) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	jw_key(w, "invocations");
	jw_int(w, m->invocations);
	jw_key(w, "live_invocations");
	jw_int(w, m->live_invocations);
	jw_key(w, "malloc_peak_p50");
	jw_int(w, m->malloc_peak_p50);
	jw_key(w, "malloc_peak_p99");
	jw_int(w, m->malloc_peak_p99);
	num(w, "hold_ratio_p50", m->hold_ratio_p50);
	jw_key(w, "arena_peak_bytes");
	jw_int(w, m->arena_peak_bytes);
	jw_key(w, "malloc_peak_bytes");
	jw_int(w, m->malloc_peak_bytes);
	jw_key(w, "rss_change_bytes");
	jw_int(w, m->rss_change_bytes);
	jw_key(w, "warning");
	jw_bool(w, m->warning);
	jw_key(w, "windows_cut");
	jw_bool(w, m->windows_cut);
	jw_end_object(w);
}

void prediction_json(struct json_writer *w, const struct an_candidate *c)
{
	jw_key_interval(w, "est_cpu_saving_ci90", c->has_prediction, c->pred.lo, c->pred.hi);
	jw_key(w, "est_cpu_saving_with_walk");
	if (c->has_prediction)
		jw_double(w, c->pred.with_walk);
	else
		jw_null(w);
	jw_key_interval(w, "est_cpu_saving_with_walk_ci90", c->has_prediction, c->pred.with_walk_lo,
			c->pred.with_walk_hi);
	parts(w, c);
	memory(w, &c->mem);
}

void calibration_inplace_json(struct json_writer *w, const struct an_candidates *c)
{
	jw_key(w, "inplace");
	if (c->inplace_malloc_free_ns <= 0) {
		jw_null(w);
	} else {
		jw_begin_object(w);
		num(w, "malloc_free_ns", c->inplace_malloc_free_ns);
		num(w, "arena_ns", c->inplace_arena_ns);
		num(w, "spread", c->inplace_spread);
		jw_end_object(w);
	}
	num(w, "arena_cost_fraction_sd", c->arena_cost_fraction_sd);
}
