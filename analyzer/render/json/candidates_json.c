/* candidates_json.c: candidates[] of `report --json` (docs/report-json.md), sorted by score;
 * each candidate's sites[] are written as the report's sites[] are. */
#define _POSIX_C_SOURCE 200809L
#include "candidates.h"

#include "json_writer.h"
#include "prediction_json.h"
#include "report.h"
#include "report_json_site.h"

static void opt_int(struct json_writer *w, const char *key, int has, long long v)
{
	jw_key(w, key);
	if (has)
		jw_int(w, v);
	else
		jw_null(w);
}

static void write_loc(struct json_writer *w, const char *key, int has, const struct an_loc *l)
{
	jw_key(w, key);
	if (!has) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	jw_key(w, "function");
	jw_string(w, l->function);
	jw_key(w, "file");
	jw_string(w, l->file);
	opt_int(w, "line", l->has_line, l->line);
	jw_key(w, "module");
	jw_string(w, l->module);
	jw_end_object(w);
}

static void opt_string(struct json_writer *w, const char *key, const char *s)
{
	jw_key(w, key);
	if (s)
		jw_string(w, s);
	else
		jw_null(w);
}

/* record --verify-loop: what it found, or the command that would verify the loop. */
static void write_loop_verify(struct json_writer *w, const struct an_candidate *c)
{
	opt_string(w, "probe_call", c->loop_probed ? c->loop_probe_call : NULL);
	opt_int(w, "iterations_probed", c->loop_probed, c->loop_iterations);
	opt_int(w, "objects_in_iteration", c->loop_probed, c->loop_inside);
	opt_int(w, "objects_judged", c->loop_probed, c->loop_judged);
	opt_string(w, "verify_command", c->loop_probed ? NULL : c->loop_verify_command);
	opt_string(w, "verify_limit", c->loop_probed ? NULL : c->loop_verify_limit);
}

/* A loop-iteration scope: the function holding the loop, why, and its two calls. */
static void write_loop(struct json_writer *w, const struct an_candidate *c)
{
	static const char *const why[] = { "", "root", "never_returned", "long_invocations",
					   "iterations_probed" };

	jw_key(w, "loop");
	if (c->scope_kind != CAND_SCOPE_LOOP) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	jw_key(w, "function");
	jw_string(w, c->loop_function);
	jw_key(w, "why");
	jw_string(w, why[c->loop_why]);
	write_loc(w, "alloc_call", c->has_loop_alloc, &c->loop_alloc);
	write_loc(w, "free_call", c->has_loop_free, &c->loop_free);
	write_loop_verify(w, c);
	jw_end_object(w);
}

static void write_scope(struct json_writer *w, const struct an_candidate *c)
{
	jw_key(w, "scope");
	if (!c->has_scope) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	jw_key(w, "function");
	jw_string(w, c->scope.function);
	jw_key(w, "file");
	jw_string(w, c->scope.file);
	opt_int(w, "line", c->scope.has_line, c->scope.line);
	jw_key(w, "module");
	jw_string(w, c->scope.module);
	jw_key(w, "kind");
	jw_string(w, c->scope_kind == CAND_SCOPE_LOOP ? "loop_iteration" : "call");
	write_loop(w, c);
	jw_end_object(w);
}

static void write_free_path(struct json_writer *w, const struct an_candidate *c)
{
	jw_key(w, "free_path");
	if (!c->free_function) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	jw_key(w, "function");
	jw_string(w, c->free_function);
	jw_key_double(w, "share", 1, c->free_share);
	jw_key(w, "recursive");
	jw_bool(w, c->free_recursive);
	jw_end_object(w);
}

static void write_candidate(struct json_writer *w, const struct an_info *info,
			    const struct an_candidate *c)
{
	size_t i;

	jw_begin_object(w);
	write_scope(w, c);
	jw_key(w, "verified");
	jw_bool(w, c->verified);
	jw_key(w, "sites");
	jw_begin_array(w);
	for (i = 0; i < c->nsites; i++)
		report_json_site(w, c->sites[i], info->recorded_allocs, &info->cpu);
	jw_end_array(w);
	jw_key_double(w, "score", 1, c->score);
	jw_key_double(w, "est_cpu_saving", 1, c->est_cpu_saving);
	opt_int(w, "bytes_per_scope_p50", c->has_bytes, c->bytes_p50);
	opt_int(w, "bytes_per_scope_p99", c->has_bytes, c->bytes_p99);
	opt_int(w, "lifetime_ns_p50", c->has_life, c->life_p50);
	opt_int(w, "lifetime_ns_p99", c->has_life, c->life_p99);
	jw_key_double(w, "escape_share", 1, c->escape_share);
	jw_key_double(w, "dispatched_share", 1, c->dispatched_share);
	jw_key(w, "recommended");
	jw_bool(w, c->recommended);
	jw_key(w, "reason");
	jw_string(w, c->reason);
	/* beyond the list */
	jw_key(w, "recommendation");
	jw_string(w, c->recommendation);
	jw_key(w, "risk");
	jw_string(w, cand_risk_name(c->risk));
	opt_int(w, "arena_kib", c->is_scope, c->arena_kib);
	jw_key(w, "objects");
	jw_int(w, c->objects);
	jw_key(w, "objects_per_s");
	if (c->has_rate)
		jw_double(w, c->objects_per_s);
	else
		jw_null(w);
	jw_key(w, "objects_per_s_lower_bound");
	jw_bool(w, c->has_rate && c->rate_lower_bound);
	jw_key_double(w, "enclosed_share", 1, c->enclosed_share);
	jw_key_double(w, "cross_thread_share", 1, c->cross_thread_share);
	jw_key_double(w, "long_lived_share", 1, c->long_lived_share);
	jw_key(w, "censored_objects");
	jw_int(w, c->censored_objects);
	jw_key(w, "lifetime_median_ns");
	if (c->has_km)
		jw_int(w, c->km_median_ns);
	else
		jw_null(w);
	jw_key(w, "lifetime_median_censored");
	jw_bool(w, c->has_km && c->km_median_censored);
	jw_key_double(w, "realloc_share", 1, c->realloc_share);
	jw_key_double(w, "large_share", 1, c->large_share);
	jw_key_double(w, "verified_share", 1, c->verified_share);
	write_free_path(w, c);
	jw_key_double(w, "alloc_cpu_share", 1, c->alloc_cpu_share);
	jw_key_double(w, "free_cpu_share", 1, c->free_cpu_share);
	prediction_json(w, c);
	jw_end_object(w);
}

void candidates_json(struct json_writer *w, const struct an_info *info,
		     const struct an_candidates *c)
{
	size_t i;

	jw_key(w, "sampled_objects");
	jw_int(w, c->objects);
	jw_key(w, "calibration");
	jw_begin_object(w);
	jw_key(w, "measured");
	jw_bool(w, c->calib_malloc_free_ns > 0);
	if (c->calib_malloc_free_ns > 0) {
		jw_key_double(w, "malloc_free_ns", 1, c->calib_malloc_free_ns);
		jw_key_double(w, "arena_ns", 1, c->calib_arena_ns);
	} else {
		jw_key(w, "malloc_free_ns");
		jw_null(w);
		jw_key(w, "arena_ns");
		jw_null(w);
	}
	jw_key_double(w, "arena_cost_fraction", 1, c->arena_cost_fraction);
	calibration_inplace_json(w, c);
	jw_end_object(w);
	jw_key(w, "candidates");
	jw_begin_array(w);
	for (i = 0; i < c->n; i++)
		write_candidate(w, info, &c->v[i]);
	jw_end_array(w);
}
