/* report.h: the two renderings of `arenaprof report`. */
#ifndef ARENAPROF_REPORT_H
#define ARENAPROF_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "candidates.h"
#include "go_candidates.h"
#include "report_data.h"
#include "site_fold.h"

struct json_writer;

/* What a report shows (report_load.c): the C and the Go candidates side by side. */
struct an_report {
	struct an_info info;
	struct an_sites sites;
	struct an_candidates cands;
	struct go_candidates go; /* Go profiles (info.cpu.go) only; empty for the others */
	struct site_fold fold; /* where sites are; fold.wrappers: what was folded */
};

/* Reads the recording, the sites with their CPU and the candidates, the sites folded as wrap
 * says (NULL: the defaults). 0, or -1 after an error message naming path (nothing to free
 * then). */
int an_report_load(sqlite3 *db, const char *path, const struct an_wrap_opts *wrap,
		   struct an_report *r);
void an_report_free(struct an_report *r);

/* The warnings that apply, each one sentence (without "WARNING: ") passed to emit in the text
 * report's order (report_warnings.c): AN_WARN_RECORDING lost allocation records, a database not
 * closed; AN_WARN_CPU (only with CPU samples) probe handling dominating, lost CPU samples. */
enum { AN_WARN_RECORDING = 1, AN_WARN_CPU = 2 };
typedef void (*an_warn_fn)(const char *text, void *arg);
void an_warnings(const struct an_info *info, int groups, an_warn_fn emit, void *arg);

/* Human-readable: header, totals, warnings, the arena candidates, the first top sites (0: all). */
void report_text(FILE *f, const char *path, const struct an_info *info,
		 const struct an_sites *sites, const struct an_candidates *cands,
		 const struct go_candidates *go, size_t top);

/* The documented JSON (docs/report-json.md); top 0: all
 * sites. 0, or -1 if the JSON writer was misused (a bug). */
int report_json(FILE *f, const struct an_info *info, const struct an_sites *sites,
		const struct an_candidates *cands, const struct go_candidates *go, size_t top);
/* The folded wrappers (wrappers_out.c): the text report's list, report --json's "sites_raw" and
 * "wrappers". */
void wrappers_text(FILE *f, const struct an_info *info);
void wrappers_json(struct json_writer *w, const struct an_info *info);


#endif
