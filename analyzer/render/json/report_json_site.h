/* report_json_site.h: the JSON objects that several parts of `report --json` share: one site of
 * sites[] (also in candidates[] and go_candidates[]) and an estimate (docs/report-json.md). */
#ifndef ARENAPROF_REPORT_JSON_SITE_H
#define ARENAPROF_REPORT_JSON_SITE_H

#include "report_data.h"

struct json_writer;

/* One object of sites[] (also the sites of candidates[] and go_candidates[]). */
void report_json_site(struct json_writer *w, const struct an_site *s, long long recorded,
		      const struct an_cpu *cpu);
/* key: an estimate object (value, ci95, ci99, per_s, reliable), or null when not present. */
void json_estimate(struct json_writer *w, const char *key, const struct an_estimate *e);

#endif
