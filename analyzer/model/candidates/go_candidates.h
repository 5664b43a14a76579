/* go_candidates.h: arena candidates of a Go profile. Object lifetimes cannot be observed in Go
 * (no free, no return probes), so a candidate is the function that encloses allocation sites
 * (where `a := arena.NewArena(); defer a.Free()` would go) with their allocations, bytes and
 * CPU: their allocation CPU share plus the GC share apportioned by allocated bytes. The rules are
 * in analyzer/README.md ("Go arena candidates"). */
#ifndef ARENAPROF_GO_CANDIDATES_H
#define ARENAPROF_GO_CANDIDATES_H

#include <stddef.h>
#include <sqlite3.h>
#include <stdio.h>

#include "report_data.h"

struct json_writer;

/* A frame covering at least this share of the best frame's allocations may be chosen instead of
 * it when it is further in (the per-file function inside the loop over the files). */
#define GO_COVER_SHARE 0.90
/* The text report lists this many sites of a candidate, then "N more". */
#define GO_TEXT_SITES 5

struct go_candidate {
	/* the enclosing function and the line where it calls towards its largest site (sites are
	 * grouped by function and module); function NULL: no common enclosing function */
	char *function, *file, *module;
	long long line;
	int has_line;
	size_t *sites; /* indices into the report's sites */
	size_t nsites;
	long long allocs, bytes, alloc_cpu_samples;
	double alloc_cpu_share, gc_cpu_share, score; /* score = alloc + GC share */
};

struct go_candidates {
	struct go_candidate *v; /* score desc, allocs desc, bytes desc */
	size_t n;
};

/* Computes the candidates of a Go profile (info->cpu.go) from its stacks and sites (loaded and
 * sorted, CPU included); none for other profiles. 0, or -1 after an error message. */
int go_candidates_load(sqlite3 *db, const char *path, const struct an_info *info,
		       const struct an_sites *sites, struct go_candidates *out);
void go_candidates_free(struct go_candidates *c);

/* The text section (the first top candidates, 0: all) and the JSON array "go_candidates"
 * (render/text/go_candidates_text.c, render/json/go_candidates_json.c). */
void go_candidates_text(FILE *f, const struct an_info *info, const struct an_sites *sites,
			const struct go_candidates *c, size_t top);
void go_candidates_json(struct json_writer *w, const struct an_info *info,
			const struct an_sites *sites, const struct go_candidates *c);

#endif
