/* html_sites.c: the call sites of the HTML report, ranked by allocation count as in the text
 * report (the first `top`, 0: all): allocations, share, bytes, average size, allocator CPU
 * share (with CPU samples), function and location. */
#define _POSIX_C_SOURCE 200809L
#include "html.h"

#include "format.h"
#include "site_fold.h"

static void write_site(FILE *f, size_t rank, const struct an_site *s, const struct an_info *info,
		       int cpu)
{
	char b1[FMT_BUF], b2[FMT_BUF], b3[FMT_BUF];
	double share =
		info->recorded_allocs > 0 ? (double)s->allocs / (double)info->recorded_allocs : 0.0;

	fprintf(f,
		"<tr data-allocs=\"%lld\"><td class=\"num\">%zu</td><td class=\"num\">%s</td>"
		"<td class=\"barcell\">",
		s->allocs, rank, fmt_count(b1, s->allocs));
	html_bar(f, share, "b-share");
	fputs("</td><td class=\"num\">", f);
	html_pct(f, share);
	fprintf(f, "</td><td class=\"num\">%s</td><td class=\"num\">%s</td>",
		fmt_bytes(b2, (double)s->bytes),
		fmt_bytes(b3, s->allocs > 0 ? (double)s->bytes / (double)s->allocs : 0.0));
	if (cpu) {
		fputs("<td class=\"num\">", f);
		if (s->alloc_cpu_samples > 0)
			html_pct(f, an_cpu_share(&info->cpu, s->alloc_cpu_samples));
		else
			fputs("-", f);
		fputs("</td>", f);
	}
	fputs("<td>", f);
	html_site(f, s);
	for (size_t k = 0; k < s->nwrappers; k++) { /* the folded wrappers, innermost first */
		fputs(k ? " &lt; " : " <span class=\"via\">via ", f);
		html_text(f, s->wrappers[k]);
	}
	if (s->nwrappers)
		fputs("</span>", f);
	fputs("</td></tr>\n", f);
}

/* The wrappers folded into their callers (site_fold.h), or that the sites are raw. */
static void write_wrappers(FILE *f, const struct an_info *info)
{
	char b1[FMT_BUF];

	if (info->raw_sites) {
		fputs("<p id=\"wrappers\">Call sites are raw (--no-wrappers): the frames that called "
		      "the allocator.</p>\n",
		      f);
		return;
	}
	if (info->nwrappers == 0)
		return;
	fputs("<p>Allocation wrappers folded into their callers (--no-wrappers shows raw "
	      "sites):</p>\n<table class=\"list\" id=\"wrappers\"><thead><tr><th>wrapper</th>"
	      "<th>why</th><th>allocs</th><th>module</th></tr></thead><tbody>\n",
	      f);
	for (size_t i = 0; i < info->nwrappers; i++) {
		const struct an_wrapper *w = &info->wrappers[i];

		fprintf(f, "<tr data-reason=\"%s\"><td>", wrap_reason_name(w->reason));
		html_text(f, w->function);
		fprintf(f, "</td><td>%s", wrap_reason_name(w->reason));
		if (w->reason == WRAP_DETECTED)
			fprintf(f, " (called by %lld functions)", w->callers);
		fprintf(f, "</td><td class=\"num\">%s</td><td>", fmt_count(b1, w->allocs));
		html_text(f, w->module);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

void html_write_sites(FILE *f, const struct html_doc *d)
{
	const struct an_sites *sites = &d->r.sites;
	const struct an_info *info = &d->r.info;
	size_t n = d->top && d->top < sites->n ? d->top : sites->n, i;
	int cpu = info->cpu.recorded > 0;

	fputs("<section id=\"sites\">\n<h2>Call sites</h2>\n", f);
	if (sites->n == 0) {
		fputs("<p class=\"none\">No allocation was recorded.</p>\n</section>\n", f);
		return;
	}
	write_wrappers(f, info);
	fprintf(f, "<p>Top %zu of %zu call sites by allocations.</p>\n", n, sites->n);
	fputs("<table class=\"list\" id=\"site-table\"><thead><tr><th>#</th><th>allocs</th>"
	      "<th colspan=\"2\">share</th><th>bytes</th><th>avg size</th>",
	      f);
	if (cpu)
		fputs("<th>alloc CPU</th>", f);
	fputs("<th>site</th></tr></thead><tbody>\n", f);
	for (i = 0; i < n; i++)
		write_site(f, i + 1, &sites->v[i], info, cpu);
	fputs("</tbody></table>\n</section>\n", f);
}
