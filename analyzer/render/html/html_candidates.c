/* html_candidates.c: the arena candidates of the HTML report: the scope candidates ranked by
 * score (scope, recommendation, estimated saving, risk, verification, sizes, reason), each linked
 * to its details (html_detail.c); then the sites that are not candidates, with their reason, and
 * the count of sites with too few sampled objects. */
#define _POSIX_C_SOURCE 200809L
#include "html.h"

#include "format.h"

static void write_intro(FILE *f, const struct an_candidates *c)
{
	fprintf(f, "<p>From %lld sampled objects", c->objects);
	if (c->track_every > 0)
		fprintf(f, " (1 allocation in %lld followed)", c->track_every);
	if (c->calib_malloc_free_ns > 0)
		fprintf(f,
			"; on the recording machine an arena allocation costs %.1f ns against "
			"%.1f ns for malloc and free",
			c->calib_arena_ns, c->calib_malloc_free_ns);
	else
		fprintf(f, "; an arena allocation is assumed to cost %.0f%% of malloc and free",
			100.0 * c->arena_cost_fraction);
	fputs(".</p>\n", f);
}

static void write_row(FILE *f, size_t rank, const struct an_candidate *c, int cpu)
{
	char b1[FMT_BUF], b2[FMT_BUF];

	fprintf(f,
		"<tr class=\"cand risk-%s\" data-rank=\"%zu\" data-score=\"%.17g\" "
		"data-saving=\"%.17g\" data-scope-kind=\"%s\">",
		cand_risk_name(c->risk), rank, c->score, c->est_cpu_saving,
		c->scope_kind == CAND_SCOPE_LOOP ? "loop_iteration" : "call");
	fprintf(f, "<td class=\"num\">%zu</td><td><a href=\"#cand-%zu\">", rank, rank);
	if (c->scope_kind == CAND_SCOPE_LOOP) { /* one iteration of a loop, not a call */
		fputs("an iteration of the loop in <code>", f);
		html_text(f, c->loop_function);
	} else {
		fputs("<code>", f);
		html_text(f, c->scope.function);
	}
	fputs("()</code></a></td><td>", f);
	if (c->recommendation)
		html_text(f, c->recommendation);
	else
		fputs("<em>not recommended</em>", f);
	fputs("</td><td class=\"num\">", f);
	if (cpu)
		html_pct(f, c->est_cpu_saving);
	else
		fputs("-", f);
	fprintf(f,
		"</td><td class=\"num\">%.4g</td><td><span class=\"risk\">%s</span></td><td>%s</td>",
		c->score, cand_risk_name(c->risk), c->verified ? "yes" : "no");
	fputs("<td class=\"num\">", f);
	if (c->has_rate)
		fprintf(f, "%.0f", c->objects_per_s);
	else
		fprintf(f, "%lld sampled", c->objects);
	fputs("</td><td class=\"num\">", f);
	if (c->has_bytes)
		fprintf(f, "%s / %s", fmt_bytes(b1, (double)c->bytes_p50),
			fmt_bytes(b2, (double)c->bytes_p99));
	else
		fputs("-", f);
	fprintf(f, "</td><td class=\"num\">%lld KiB</td></tr>\n", c->arena_kib);
	fputs("<tr class=\"reason\"><td></td><td colspan=\"9\">", f);
	html_text(f, c->reason);
	fputs("</td></tr>\n", f);
}

static void write_ranked(FILE *f, const struct an_info *info, const struct an_candidates *c)
{
	int cpu = info->cpu.recorded - info->cpu.overhead > 0;
	size_t i, rank = 0;

	for (i = 0; i < c->n; i++) {
		if (!c->v[i].is_scope)
			continue;
		if (rank++ == 0)
			fputs("<table class=\"list\" id=\"candidate-table\"><thead><tr><th>#</th>"
			      "<th>scope</th><th>recommendation</th><th>est. saving</th>"
			      "<th>score</th><th>risk</th><th>verified</th><th>objects/s</th>"
			      "<th>bytes per scope p50 / p99</th><th>arena</th></tr></thead>"
			      "<tbody>\n",
			      f);
		write_row(f, rank, &c->v[i], cpu);
	}
	if (rank)
		fputs("</tbody></table>\n", f);
	else
		fputs("<p class=\"none\">None: no site's objects share a scope.</p>\n", f);
}

static void write_rejected(FILE *f, const struct an_candidates *c)
{
	size_t i, few = 0, rejected = 0;

	for (i = 0; i < c->n; i++) {
		const struct an_candidate *e = &c->v[i];

		if (e->is_scope)
			continue;
		if (e->verdict == CAND_TOO_FEW) {
			few++;
			continue;
		}
		if (rejected++ == 0)
			fputs("<h3>Not recommended</h3>\n<table class=\"list\" id=\"rejected\">"
			      "<thead><tr><th>site</th><th>reason</th></tr></thead><tbody>\n",
			      f);
		fputs("<tr><td>", f);
		html_site(f, e->sites[0]);
		fputs("</td><td>", f);
		html_text(f, e->reason);
		fputs("</td></tr>\n", f);
	}
	if (rejected)
		fputs("</tbody></table>\n", f);
	if (few)
		fprintf(f,
			"<p>%zu site%s with fewer than %d sampled objects (too few sampled objects "
			"to judge).</p>\n",
			few, few == 1 ? "" : "s", CAND_MIN_OBJECTS);
}

void html_write_candidates(FILE *f, const struct html_doc *d)
{
	const struct an_candidates *c = &d->r.cands;
	size_t i, rank = 0;

	fputs("<section id=\"candidates\">\n<h2>Arena candidates</h2>\n", f);
	if (c->objects == 0) {
		fputs("<p class=\"none\">None: no sampled object lifetimes in this profile (record "
		      "with <code>--track-every N</code>).</p>\n</section>\n",
		      f);
		return;
	}
	write_intro(f, c);
	write_ranked(f, &d->r.info, c);
	write_rejected(f, c);
	for (i = 0; i < c->n; i++)
		if (c->v[i].is_scope) {
			if (rank == 0)
				fputs("<h3>Candidate details</h3>\n", f);
			html_write_detail(f, &d->r.info, &c->v[i], ++rank);
		}
	fputs("</section>\n", f);
}
