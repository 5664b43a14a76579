/* report.h: the two renderings of `arenaprof report`. */
#ifndef ARENAPROF_REPORT_H
#define ARENAPROF_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "report_data.h"

struct an_candidates;
struct json_writer;

/* Human-readable: header, totals, warnings, the arena candidates, the first top sites (0: all). */
void report_text(FILE *f, const char *path, const struct an_info *info,
		 const struct an_sites *sites, const struct an_candidates *cands, size_t top);

/* The documented JSON (docs/report-json.md); top 0: all
 * sites. 0, or -1 if the JSON writer was misused (a bug). */
int report_json(FILE *f, const struct an_info *info, const struct an_sites *sites,
		const struct an_candidates *cands, size_t top);
/* One object of sites[] (also the sites of candidates[]). */
void report_json_site(struct json_writer *w, const struct an_site *s, long long recorded,
		      const struct an_cpu *cpu);

#endif
