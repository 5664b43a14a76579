/* wrappers_out.c: what the reports say about the allocation wrappers folded into their callers
 * (site_fold.h): the text report's list, and report --json's "wrappers" and "sites_raw". */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include "format.h"
#include "json_writer.h"

void wrappers_text(FILE *f, const struct an_info *info)
{
	char b1[FMT_BUF];

	if (info->raw_sites) {
		fputs("\nCall sites are raw (--no-wrappers): the frames that called the allocator.\n",
		      f);
		return;
	}
	if (info->nwrappers == 0)
		return;
	fputs("\nAllocation wrappers folded into their callers (--no-wrappers shows raw sites):\n",
	      f);
	for (size_t i = 0; i < info->nwrappers; i++) {
		const struct an_wrapper *w = &info->wrappers[i];
		double share = info->recorded_allocs > 0 ?
				       100.0 * (double)w->allocs / (double)info->recorded_allocs :
				       0.0;

		fputs("  ", f);
		fput_clean(w->function, f);
		fprintf(f, " (%s", wrap_reason_name(w->reason));
		if (w->reason == WRAP_DETECTED)
			fprintf(f, ": called by %lld functions", w->callers);
		fprintf(f, "): %s allocations, %.1f%%\n", fmt_count(b1, w->allocs), share);
	}
}

void wrappers_json(struct json_writer *w, const struct an_info *info)
{
	jw_key(w, "sites_raw");
	jw_bool(w, info->raw_sites);
	jw_key(w, "wrappers");
	jw_begin_array(w);
	for (size_t i = 0; i < info->nwrappers; i++) {
		const struct an_wrapper *x = &info->wrappers[i];

		jw_begin_object(w);
		jw_key(w, "function");
		jw_string(w, x->function);
		jw_key(w, "module");
		jw_string(w, x->module);
		jw_key(w, "reason");
		jw_string(w, wrap_reason_name(x->reason));
		jw_key(w, "callers");
		jw_int(w, x->callers);
		jw_key(w, "allocs");
		jw_int(w, x->allocs);
		jw_end_object(w);
	}
	jw_end_array(w);
}
