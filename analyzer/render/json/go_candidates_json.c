/* go_candidates_json.c: the Go arena candidates in `report --json` ("go_candidates",
 * docs/report-json.md): each enclosing function with its sites, written as sites[] are. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include "json_writer.h"
#include "report_json_site.h"

void go_candidates_json(struct json_writer *w, const struct an_info *info,
			const struct an_sites *sites, const struct go_candidates *c)
{
	jw_key(w, "go_candidates");
	jw_begin_array(w);
	for (size_t i = 0; i < c->n; i++) {
		const struct go_candidate *g = &c->v[i];

		jw_begin_object(w);
		jw_key(w, "enclosing");
		if (g->function) {
			jw_begin_object(w);
			jw_key(w, "function");
			jw_string(w, g->function);
			jw_key(w, "file");
			jw_string(w, g->file);
			jw_key(w, "line");
			if (g->has_line)
				jw_int(w, g->line);
			else
				jw_null(w);
			jw_key(w, "module");
			jw_string(w, g->module ? g->module : AN_UNKNOWN);
			jw_end_object(w);
		} else {
			jw_null(w);
		}
		jw_key(w, "sites");
		jw_begin_array(w);
		for (size_t k = 0; k < g->nsites; k++)
			report_json_site(w, &sites->v[g->sites[k]], info->recorded_allocs,
					 &info->cpu);
		jw_end_array(w);
		jw_key(w, "allocs");
		jw_int(w, g->allocs);
		jw_key(w, "bytes");
		jw_int(w, g->bytes);
		jw_key(w, "share");
		jw_double(w, info->recorded_allocs > 0 ?
				     (double)g->allocs / (double)info->recorded_allocs :
				     0.0);
		jw_key(w, "alloc_cpu_share");
		jw_double(w, g->alloc_cpu_share);
		jw_key(w, "gc_cpu_share");
		jw_double(w, g->gc_cpu_share);
		jw_key(w, "score");
		jw_double(w, g->score);
		jw_end_object(w);
	}
	jw_end_array(w);
}
