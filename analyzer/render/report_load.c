/* report_load.c: everything `report` (text, JSON) and `html` show, read from one open profile:
 * the recording and totals, the call sites with their CPU, and the arena candidates (C, and Go's
 * for Go profiles). */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <string.h>

#include "go_candidates.h"

int an_report_load(sqlite3 *db, const char *path, const struct an_wrap_opts *wrap,
		   struct an_report *r)
{
	memset(r, 0, sizeof(*r));
	if (an_info_load(db, path, &r->info))
		return -1;
	if (site_fold_load(db, path, wrap, &r->fold)) {
		an_info_free(&r->info);
		return -1;
	}
	r->info.wrappers = r->fold.wrappers;
	r->info.nwrappers = r->fold.nwrappers;
	r->info.raw_sites = r->fold.raw;
	if (an_sites_load(db, path, &r->fold, &r->sites)) {
		site_fold_free(&r->fold);
		an_info_free(&r->info);
		return -1;
	}
	if (an_cpu_load(db, path, &r->fold, &r->info, &r->sites) ||
	    an_estimates_load(db, path, &r->info, &r->sites) ||
	    an_candidates_load(db, path, &r->info, &r->sites, &r->cands) ||
	    (r->info.cpu.go && go_candidates_load(db, path, &r->info, &r->sites, &r->go))) {
		an_sites_free(&r->sites);
		site_fold_free(&r->fold);
		an_info_free(&r->info);
		return -1;
	}
	return 0;
}

void an_report_free(struct an_report *r)
{
	go_candidates_free(&r->go);
	an_candidates_free(&r->cands);
	an_sites_free(&r->sites);
	site_fold_free(&r->fold);
	an_info_free(&r->info);
}
