/* html.h: `arenaprof html`, the report as one self-contained HTML page (no network: inline CSS,
 * inline script, inline SVG): the summary, the ranked arena candidates and each one's details,
 * the four flame graphs (zoom, search) and the top call sites. html_cmd.c is the command; each
 * other html_*.c writes one part of the page from what `report` reads (an_report_load) and the
 * lines of `folded` (folded_load_metric). */
#ifndef ARENAPROF_HTML_H
#define ARENAPROF_HTML_H

#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>

#include "flamegraph.h"
#include "report.h"

#define HTML_GRAPHS 4 /* one per enum folded_metric: count, bytes, cpu, alloc-cpu */

struct html_graph {
	struct folded lines;
	struct fg_tree tree;
};

struct html_doc {
	const char *path; /* of the profile */
	size_t top; /* call sites listed, 0: all */
	struct an_report r;
	struct html_graph graphs[HTML_GRAPHS];
};

/* html_graphs.c: the four graphs' lines and trees. 0, or -1 after an error message (nothing to
 * free then). */
int html_graphs_load(sqlite3 *db, const char *path, struct html_doc *d);
void html_graphs_free(struct html_doc *d);

/* html_page.c: the whole page (doc: a struct html_doc), for an_write_output; 0, or -1 when
 * writing failed. */
int html_write_page(FILE *f, void *doc);

/* Each writes one <section> of the page. */
void html_write_summary(FILE *f, const struct html_doc *d); /* html_summary.c */
void html_write_candidates(FILE *f, const struct html_doc *d); /* html_candidates.c */
void html_write_graphs(FILE *f, const struct html_doc *d); /* html_graphs.c */
void html_write_sites(FILE *f, const struct html_doc *d); /* html_sites.c */
/* One candidate's details: sites, lifetime histogram, bytes per scope, numbers (html_detail.c). */
void html_write_detail(FILE *f, const struct an_info *info, const struct an_candidate *c,
		       size_t rank);

/* html_util.c: small writers. Every string from the profile goes through html_text. */
void html_text(FILE *f, const char *s); /* escaped; NULL writes nothing */
/* "file:line", or the module without a file. */
void html_location(FILE *f, const char *file, int has_line, long long line, const char *module);
/* A site as "<code>function</code> <span class=loc>location</span>". */
void html_site(FILE *f, const struct an_site *s);
/* 0.123 -> "12.3%" */
void html_pct(FILE *f, double share);
/* <tr> of a key-value table: <th>label</th><td> is left open for the value, closed by
 * html_row_end; key (may be NULL) and value become data-key and data-value, for scripts. */
void html_row(FILE *f, const char *key, double value, const char *label);
void html_row_end(FILE *f);
/* A horizontal bar of share (0..1) of its cell's width. */
void html_bar(FILE *f, double share, const char *cls);

extern const char html_style[]; /* html.css, embedded at build time */
extern const char html_script[]; /* html.js: tabs, search box, fg_make for each graph */

#endif
