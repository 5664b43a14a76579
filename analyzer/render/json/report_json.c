/* report_json.c: `arenaprof report --json`, the contract other tools read (docs/report-json.md).
 * Fields are only ever added, never renamed or retyped. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include "json_writer.h"
#include "report_json_site.h"

static void opt_string(struct json_writer *w, const char *key, const char *v)
{
	jw_key(w, key);
	jw_string(w, v); /* NULL: null */
}

static void write_target(struct json_writer *w, const struct an_info *info)
{
	jw_key(w, "target");
	jw_begin_object(w);
	jw_key(w, "pid");
	if (info->has_pid)
		jw_int(w, info->pid);
	else
		jw_null(w);
	opt_string(w, "command", info->command);
	jw_end_object(w);
}

static void write_recording(struct json_writer *w, const struct an_info *info)
{
	jw_key(w, "recording");
	jw_begin_object(w);
	jw_key(w, "duration_s");
	if (info->has_duration)
		jw_double(w, info->duration_s);
	else
		jw_null(w);
	opt_string(w, "end_reason", info->end_reason);
	jw_key(w, "closed");
	jw_bool(w, info->closed);
	opt_string(w, "mode", info->mode);
	opt_string(w, "unwind", info->unwind);
	opt_string(w, "attach", info->attach);
	opt_string(w, "target_exit", info->target_exit);
	opt_string(w, "runtime", info->runtime);
	opt_string(w, "go_version", info->go_version);
	jw_key(w, "cpu_freq");
	if (info->cpu.has_freq)
		jw_int(w, info->cpu.freq);
	else
		jw_null(w);
	jw_key(w, "sample_every");
	jw_int(w, info->sample_every > 1 ? info->sample_every : 1);
	jw_end_object(w);
}

/* The CPU fields of totals (schema version 2). */
static void write_cpu_totals(struct json_writer *w, const struct an_cpu *cpu)
{
	static const char *const split[] = { "malloc", "free", "realloc", "kernel_mm" };
	size_t i;

	jw_key(w, "cpu_samples");
	jw_int(w, cpu->samples);
	jw_key(w, "cpu_recorded_samples");
	jw_int(w, cpu->recorded);
	jw_key(w, "cpu_lost");
	jw_int(w, cpu->lost);
	jw_key(w, "allocator_cpu_share");
	jw_double(w, an_cpu_share(cpu, cpu->allocator));
	jw_key(w, "allocator_cpu_split");
	jw_begin_object(w);
	for (i = 0; i < sizeof(split) / sizeof(split[0]); i++) {
		jw_key(w, split[i]);
		jw_double(w, an_cpu_share(cpu, cpu->split[i]));
	}
	jw_end_object(w);
	jw_key(w, "profiler_overhead_share");
	jw_double(w, cpu->recorded > 0 ? (double)cpu->overhead / (double)cpu->recorded : 0.0);
	jw_key(w, "gc_cpu_share");
	jw_double(w, an_cpu_share(cpu, cpu->gc));
	jw_key(w, "max_saving_cpu_share");
	jw_double(w, an_cpu_share(cpu, cpu->allocator + cpu->gc));
}

/* Overhead-budget windows and the estimates from them; null for --exact/--cpu-only profiles. */
static void write_windows(struct json_writer *w, const struct an_info *info)
{
	const struct an_windows *x = &info->win;

	jw_key(w, "windows");
	if (!x->present) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	jw_key(w, "count");
	jw_int(w, x->count);
	jw_key(w, "overhead_budget");
	jw_double(w, x->budget);
	jw_key(w, "armed_s");
	jw_double(w, x->armed_s);
	jw_key(w, "tail_s");
	jw_double(w, x->tail_s);
	jw_key(w, "exposure_s");
	jw_double(w, x->exposure_s);
	jw_key(w, "window_slowdown");
	jw_double(w, x->window_slowdown);
	jw_key(w, "probe_cost_s");
	jw_double(w, x->probe_cost_s);
	jw_key(w, "target_cpu_s");
	jw_double(w, x->target_cpu_s);
	jw_key(w, "probe_cost_share");
	jw_double(w, x->target_cpu_s > x->probe_cost_s ?
			     x->probe_cost_s / (x->target_cpu_s - x->probe_cost_s) :
			     0.0);
	jw_key(w, "sampler_cost_s");
	jw_double(w, x->sampler_cost_s);
	jw_key(w, "alloc_hit_ns");
	jw_double(w, x->alloc_hit_ns);
	jw_key(w, "free_hit_ns");
	jw_double(w, x->free_hit_ns);
	json_estimate(w, "allocs_estimated", &x->allocs);
	json_estimate(w, "bytes_estimated", &x->bytes);
	jw_end_object(w);
}

static void write_totals(struct json_writer *w, const struct an_info *info)
{
	jw_key(w, "totals");
	jw_begin_object(w);
	jw_key(w, "allocs");
	jw_int(w, info->allocs);
	jw_key(w, "bytes");
	jw_int(w, info->bytes);
	jw_key(w, "frees");
	jw_int(w, info->frees);
	jw_key(w, "lost_events");
	jw_int(w, info->lost_events);
	jw_key(w, "recorded_allocs");
	jw_int(w, info->recorded_allocs);
	jw_key(w, "recorded_bytes");
	jw_int(w, info->recorded_bytes);
	write_cpu_totals(w, &info->cpu);
	jw_key(w, "agent_cpu_s");
	if (info->has_agent_cpu)
		jw_double(w, info->agent_cpu_s);
	else
		jw_null(w);
	jw_end_object(w);
	write_windows(w, info);
}

int report_json(FILE *f, const struct an_info *info, const struct an_sites *sites,
		const struct an_candidates *cands, const struct go_candidates *go, size_t top)
{
	size_t n = top && top < sites->n ? top : sites->n, i;
	struct json_writer w;

	jw_init(&w, f, 1);
	jw_begin_object(&w);
	jw_key(&w, "schema_version");
	jw_int(&w, 1);
	write_target(&w, info);
	write_recording(&w, info);
	write_totals(&w, info);
	wrappers_json(&w, info);
	jw_key(&w, "sites_total");
	jw_int(&w, (long long)sites->n);
	jw_key(&w, "sites");
	jw_begin_array(&w);
	for (i = 0; i < n; i++)
		report_json_site(&w, &sites->v[i], info->recorded_allocs, &info->cpu);
	jw_end_array(&w);
	candidates_json(&w, info, cands);
	go_candidates_json(&w, info, sites, go);
	jw_end_object(&w);
	return jw_finish(&w);
}
