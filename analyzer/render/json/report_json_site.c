/* report_json_site.c: one object of `report --json`'s sites[] (docs/report-json.md), written the
 * same way for the report's sites, the sites of each candidate and those of each Go candidate,
 * and the estimate objects (count with a confidence interval) that sites and windows carry. */
#define _POSIX_C_SOURCE 200809L
#include "report_json_site.h"

#include "json_writer.h"

static void opt_string(struct json_writer *w, const char *key, const char *v)
{
	jw_key(w, key);
	jw_string(w, v); /* NULL: null */
}

void json_estimate(struct json_writer *w, const char *key, const struct an_estimate *e)
{
	jw_key(w, key);
	if (!e->present) {
		jw_null(w);
		return;
	}
	jw_begin_object(w);
	jw_key(w, "value");
	jw_double(w, e->value);
	jw_key(w, "ci95");
	jw_begin_array(w);
	jw_double(w, e->lo);
	jw_double(w, e->hi);
	jw_end_array(w);
	jw_key(w, "ci99");
	jw_begin_array(w);
	jw_double(w, e->lo99);
	jw_double(w, e->hi99);
	jw_end_array(w);
	jw_key(w, "per_s");
	jw_double(w, e->per_s);
	jw_key(w, "reliable");
	jw_bool(w, e->reliable);
	jw_key(w, "unknown");
	jw_bool(w, e->unknown);
	jw_key(w, "cpu_estimate");
	if (e->has_cpu)
		jw_double(w, e->cpu_value);
	else
		jw_null(w);
	jw_key(w, "cpu_agreement");
	if (e->has_cpu && e->value > 0)
		jw_double(w, e->cpu_value / e->value);
	else
		jw_null(w);
	jw_key(w, "cpu_ci95");
	if (e->has_cpu) {
		jw_begin_array(w);
		jw_double(w, e->cpu_lo);
		jw_double(w, e->cpu_hi);
		jw_end_array(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "cpu_calibration");
	jw_string(w, !e->has_cpu			   ? NULL :
		     e->cpu_calibration == AN_CAL_IN_PLACE ? "in_place" :
							     "tight_loop");
	jw_key(w, "cpu_call_ns");
	if (e->has_cpu)
		jw_double(w, e->cpu_call_ns);
	else
		jw_null(w);
	jw_key(w, "cpu_samples");
	if (e->has_cpu)
		jw_double(w, e->cpu_samples);
	else
		jw_null(w);
	jw_key(w, "cpu_contradicts_windows");
	jw_bool(w, e->contradicted);
	jw_end_object(w);
}

void report_json_site(struct json_writer *w, const struct an_site *s, long long recorded,
		      const struct an_cpu *cpu)
{
	size_t k;

	jw_begin_object(w);
	opt_string(w, "function", s->function);
	opt_string(w, "file", s->file);
	jw_key(w, "line");
	if (s->has_line)
		jw_int(w, s->line);
	else
		jw_null(w);
	opt_string(w, "module", s->module);
	jw_key(w, "allocs");
	jw_int(w, s->allocs);
	jw_key(w, "bytes");
	jw_int(w, s->bytes);
	jw_key(w, "share");
	jw_double(w, recorded > 0 ? (double)s->allocs / (double)recorded : 0.0);
	jw_key(w, "size_min");
	jw_int(w, s->size_min);
	jw_key(w, "size_max");
	jw_int(w, s->size_max);
	jw_key(w, "kinds");
	jw_begin_object(w);
	for (k = 0; k < s->nkinds; k++) {
		jw_key(w, s->kinds[k].kind);
		jw_int(w, s->kinds[k].allocs);
	}
	jw_end_object(w);
	jw_key(w, "stacks");
	jw_int(w, s->stacks);
	jw_key(w, "alloc_cpu_samples");
	jw_int(w, s->alloc_cpu_samples);
	jw_key(w, "alloc_cpu_share");
	jw_double(w, an_cpu_share(cpu, s->alloc_cpu_samples));
	jw_key(w, "alloc_call_samples");
	jw_int(w, s->alloc_call_samples);
	json_estimate(w, "allocs_estimated", &s->est_allocs);
	jw_key(w, "wrappers");
	jw_begin_array(w);
	for (k = 0; k < s->nwrappers; k++)
		jw_string(w, s->wrappers[k]);
	jw_end_array(w);
	jw_end_object(w);
}
