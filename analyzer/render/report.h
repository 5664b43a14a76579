/* report.h: the renderings of what `arenaprof report` shows (an_report, report_load.h): text
 * (render/text/), JSON (render/json/), and the warnings shared with the HTML report. */
#ifndef ARENAPROF_REPORT_H
#define ARENAPROF_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "report_load.h"

struct json_writer;

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

/* The "Arena candidates" section of the text report; top: rejected sites shown (0: all)
 * (candidates_text.c). */
void candidates_text(FILE *f, const struct an_info *info, const struct an_candidates *c,
		     size_t top);
/* candidates[] of report --json (candidates_json.c). */
void candidates_json(struct json_writer *w, const struct an_info *info,
		     const struct an_candidates *c);
/* The Go candidates: the text section (the first top candidates, 0: all) and the JSON array
 * "go_candidates" (go_candidates_text.c, go_candidates_json.c). */
void go_candidates_text(FILE *f, const struct an_info *info, const struct an_sites *sites,
			const struct go_candidates *c, size_t top);
void go_candidates_json(struct json_writer *w, const struct an_info *info,
			const struct an_sites *sites, const struct go_candidates *c);

#endif
