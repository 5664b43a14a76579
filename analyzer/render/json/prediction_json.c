/* prediction_json.c: a candidate's predicted saving in parts with its 90% interval, and the
 * memory an arena would hold, in `report --json` (docs/report-json.md, "Predicted saving and
 * memory"); and the in-place calibration behind the arena's cost. */
#define _POSIX_C_SOURCE 200809L
#include "prediction_json.h"

#include "json_writer.h"

static void parts(struct json_writer *w, const struct an_candidate *c)
{
	jw_key(w, "est_cpu_saving_parts");
	if (!c->has_prediction) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	jw_key_double(w, "malloc_side", 1, c->pred.malloc_side);
	jw_key_double(w, "malloc_side_sd", 1, c->pred.sd_malloc);
	jw_key_double(w, "free_side", 1, c->pred.free_side);
	jw_key_double(w, "free_side_sd", 1, c->pred.sd_free);
	jw_key_double(w, "arena_cost", 1, c->pred.arena_cost);
	jw_key_double(w, "arena_cost_fraction", 1, c->pred_in.cost_fraction);
	jw_key_double(w, "arena_cost_fraction_sd", 1, c->pred_in.cost_fraction_sd);
	jw_key_double(w, "free_walk", 1, c->pred.walk);
	jw_key_double(w, "free_walk_sd", 1, c->pred.sd_walk);
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
	jw_key_double(w, "hold_ratio_p50", 1, m->hold_ratio_p50);
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
		jw_key_double(w, "malloc_free_ns", 1, c->inplace_malloc_free_ns);
		jw_key_double(w, "arena_ns", 1, c->inplace_arena_ns);
		jw_key_double(w, "spread", 1, c->inplace_spread);
		jw_end_object(w);
	}
	jw_key_double(w, "arena_cost_fraction_sd", 1, c->arena_cost_fraction_sd);
}
