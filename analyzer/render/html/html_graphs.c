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

/* The lines of graph m from the profile read once (frames, allocation and CPU stacks). */
static int graph_lines(const struct an_frames *t, const struct an_alloc_stacks *s,
		       const struct cpu_profile *cp, int m, const char *path, struct folded *out)
{
	if (m == FOLDED_CPU || m == FOLDED_ALLOC_CPU)
		return folded_from_cpu(cp, m == FOLDED_ALLOC_CPU, path, out);
	return folded_from_alloc(t, s, (enum folded_metric)m, path, out);
}

int html_graphs_load(sqlite3 *db, const char *path, struct html_doc *d)
{
	struct an_alloc_stacks s;
	struct cpu_profile cp;
	struct an_frames t;
	int m, rc = -1;

	if (an_frames_load(db, path, &t))
		return -1;
	if (an_alloc_stacks_load(db, path, &s)) {
		an_frames_free(&t);
		return -1;
	}
	if (cpu_profile_load(db, path, &cp)) {
		an_alloc_stacks_free(&s);
		an_frames_free(&t);
		return -1;
	}
	for (m = 0; m < HTML_GRAPHS; m++) {
		struct html_graph *g = &d->graphs[m];

		if (graph_lines(&t, &s, &cp, m, path, &g->lines))
			goto done;
		if (fg_build(&g->lines, path, &g->tree)) {
			folded_free(&g->lines);
			goto done;
		}
	}
	rc = 0;
done:
	if (rc)
		while (m-- > 0) {
			fg_free(&d->graphs[m].tree);
			folded_free(&d->graphs[m].lines);
		}
	cpu_profile_free(&cp);
	an_alloc_stacks_free(&s);
	an_frames_free(&t);
	return rc;
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
