/* report_load.h: what `report` (text, JSON) and `html` show, read from one open profile: the
 * recording and totals, the call sites with their CPU, and the arena candidates, C and Go. */
#ifndef ARENAPROF_REPORT_LOAD_H
#define ARENAPROF_REPORT_LOAD_H

#include <sqlite3.h>

#include "candidates.h"
#include "go_candidates.h"
#include "report_data.h"

struct an_report {
	struct an_info info;
	struct an_sites sites;
	struct an_candidates cands;
	struct go_candidates go; /* Go profiles (info.cpu.go) only; empty for the others */
};

/* Reads the recording, the sites with their CPU and the candidates. 0, or -1 after an error
 * message naming path (nothing to free then). */
int an_report_load(sqlite3 *db, const char *path, struct an_report *r);
void an_report_free(struct an_report *r);

#endif
