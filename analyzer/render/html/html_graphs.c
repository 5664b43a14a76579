/* html_graphs.c: the flame graphs of the HTML report, one per metric of `folded` (allocation
 * count, bytes, CPU, allocator CPU): their lines and trees, read with the rest of the profile,
 * and the section with a tab per graph, a search box, and each graph as an inline <svg>
 * (fg_write_inline) that the page's script makes interactive. */
#define _POSIX_C_SOURCE 200809L
#include "html.h"

#include <string.h>

/* Per graph: the id of its tab and the prefix of its parts' ids ("fg-<name>-"), and the tab's
 * label. */
static const char *const graph_names[HTML_GRAPHS] = { "count", "bytes", "cpu", "alloc-cpu" };
static const char *const graph_labels[HTML_GRAPHS] = { "Allocations", "Bytes", "CPU",
						       "Allocator CPU" };

int html_graphs_load(sqlite3 *db, const char *path, struct html_doc *d)
{
	int m;

	for (m = 0; m < HTML_GRAPHS; m++) {
		struct html_graph *g = &d->graphs[m];

		if (folded_load_metric(db, path, (enum folded_metric)m, &g->lines))
			goto fail;
		if (fg_build(&g->lines, path, &g->tree)) {
			folded_free(&g->lines);
			goto fail;
		}
	}
	return 0;
fail:
	while (m-- > 0) {
		fg_free(&d->graphs[m].tree);
		folded_free(&d->graphs[m].lines);
	}
	return -1;
}

void html_graphs_free(struct html_doc *d)
{
	int m;

	for (m = 0; m < HTML_GRAPHS; m++) {
		fg_free(&d->graphs[m].tree);
		folded_free(&d->graphs[m].lines);
	}
}

void html_write_graphs(FILE *f, const struct html_doc *d)
{
	char prefix[32];
	int m;

	fputs("<section id=\"flamegraphs\">\n<h2>Flame graphs</h2>\n<div class=\"tabs\">", f);
	for (m = 0; m < HTML_GRAPHS; m++)
		fprintf(f, "<button type=\"button\" class=\"tab%s\" data-graph=\"%s\">%s</button>",
			m == 0 ? " active" : "", graph_names[m], graph_labels[m]);
	fputs("<input type=\"search\" id=\"fg-search\" placeholder=\"search frames (regular "
	      "expression)\" spellcheck=\"false\"></div>\n"
	      "<p class=\"hint\">Click a frame to zoom into it, <em>Reset zoom</em> to go back; "
	      "the search highlights matching frames in every graph. Allocator code is blue.</p>\n",
	      f);
	for (m = 0; m < HTML_GRAPHS; m++) {
		const struct html_graph *g = &d->graphs[m];
		struct fg_options o;

		snprintf(prefix, sizeof(prefix), "fg-%s-", graph_names[m]);
		o.title = fg_metric_title((enum folded_metric)m);
		o.unit = fg_metric_unit((enum folded_metric)m);
		o.id_prefix = prefix;
		fprintf(f, "<div class=\"pane%s\" id=\"pane-%s\" data-graph=\"%s\">\n",
			m == 0 ? "" : " hidden", graph_names[m], graph_names[m]);
		fg_write_inline(f, &g->lines, &g->tree, &o);
		fputs("</div>\n", f);
	}
	fputs("</section>\n", f);
}
