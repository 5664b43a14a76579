/* html_detail.c: one arena candidate's details in the HTML report (a <details> element): its
 * sites with their allocations and allocator CPU, the lifetime histogram of its freed objects,
 * the bytes per scope invocation against the recommended arena, and its numbers. */
#define _POSIX_C_SOURCE 200809L
#include "html.h"

#include "format.h"

static const char *const life_labels[CAND_LIFE_BUCKETS] = { "&lt; 1 us",   "1-10 us", "10-100 us",
							    "100 us-1 ms", "1-10 ms", "10-100 ms",
							    "100 ms-1 s",  "1-10 s",  "&ge; 10 s" };

static void write_sites(FILE *f, const struct an_info *info, const struct an_candidate *c)
{
	char b1[FMT_BUF], b2[FMT_BUF];
	size_t i;

	fputs("<div class=\"wide\"><h4>Sites</h4><table class=\"list sites\"><thead><tr><th>site</th>"
	      "<th>allocs</th><th>bytes</th><th>alloc CPU</th></tr></thead><tbody>\n",
	      f);
	for (i = 0; i < c->nsites; i++) {
		const struct an_site *s = c->sites[i];

		fputs("<tr><td>", f);
		html_site(f, s);
		fprintf(f,
			"</td><td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">",
			fmt_count(b1, s->allocs), fmt_bytes(b2, (double)s->bytes));
		html_pct(f, an_cpu_share(&info->cpu, s->alloc_cpu_samples));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
}

/* A row of a bar chart: label, a bar of share of the width, the value (text). */
static void bar_row(FILE *f, const char *label, double share, const char *cls, const char *value)
{
	fprintf(f, "<tr><th>%s</th><td class=\"barcell\">", label);
	html_bar(f, share, cls);
	fprintf(f, "</td><td class=\"num\">%s</td></tr>\n", value);
}

static void hist_row(FILE *f, const char *label, long long n, long long max, const char *cls)
{
	char b[FMT_BUF];

	bar_row(f, label, max > 0 ? (double)n / (double)max : 0.0, cls, fmt_count(b, n));
}

static void write_lifetimes(FILE *f, const struct an_candidate *c, size_t rank)
{
	long long max = 0, freed = 0, live;
	char b1[FMT_BUF], b2[FMT_BUF];
	int i;

	for (i = 0; i < CAND_LIFE_BUCKETS; i++) {
		freed += c->life_hist[i];
		if (c->life_hist[i] > max)
			max = c->life_hist[i];
	}
	live = c->objects - freed;
	if (live > max)
		max = live;
	fprintf(f,
		"<div><h4>Lifetimes (sampled objects)</h4><table class=\"hist\" id=\"life-%zu\">\n",
		rank);
	for (i = 0; i < CAND_LIFE_BUCKETS; i++)
		hist_row(f, life_labels[i], c->life_hist[i], max, "b-life");
	hist_row(f, "still live at the end", live, max, "b-live");
	fputs("</table>", f);
	if (c->has_life)
		fprintf(f, "<p>freed objects: p50 %s, p99 %s</p>", fmt_ns(b1, c->life_p50),
			fmt_ns(b2, c->life_p99));
	fputs("</div>\n", f);
}

static void write_bytes(FILE *f, const struct an_candidate *c)
{
	double arena = (double)c->arena_kib * 1024.0, top;
	char b[FMT_BUF];

	fputs("<div><h4>Bytes per scope invocation</h4>", f);
	if (!c->has_bytes) {
		fputs("<p>unknown (no enclosed objects)</p></div>\n", f);
		return;
	}
	top = (double)c->bytes_p99 > arena ? (double)c->bytes_p99 : arena;
	fputs("<table class=\"hist\">\n", f);
	bar_row(f, "p50", (double)c->bytes_p50 / top, "b-bytes",
		fmt_bytes(b, (double)c->bytes_p50));
	bar_row(f, "p99", (double)c->bytes_p99 / top, "b-bytes",
		fmt_bytes(b, (double)c->bytes_p99));
	snprintf(b, sizeof(b), "%lld KiB", c->arena_kib);
	bar_row(f, "arena", arena / top, "b-arena", b);
	fputs("</table></div>\n", f);
}

static void share_row(FILE *f, const char *label, double share)
{
	html_row(f, NULL, 0, label);
	html_pct(f, share);
	html_row_end(f);
}

static void write_numbers(FILE *f, const struct an_candidate *c)
{
	fputs("<div><h4>Numbers</h4><table class=\"kv\">\n", f);
	html_row(f, NULL, 0, "sampled objects");
	fprintf(f, "%lld", c->objects);
	if (c->has_rate)
		fprintf(f, " (%.0f objects/s)", c->objects_per_s);
	html_row_end(f);
	share_row(f, "enclosed by the scope", c->enclosed_share);
	share_row(f, "escape the scope", c->escape_share);
	share_row(f, "freed by another thread", c->cross_thread_share);
	share_row(f, "still live at the end", c->long_lived_share);
	share_row(f, "realloc", c->realloc_share);
	share_row(f, "large (128 KiB or more)", c->large_share);
	share_row(f, "verified", c->verified_share);
	if (c->free_function) {
		html_row(f, NULL, 0, "freed by");
		fputs("<code>", f);
		html_text(f, c->free_function);
		fputs("</code>", f);
		fputs(c->free_recursive ? " (recursion) " : " ", f);
		html_pct(f, c->free_share);
		html_row_end(f);
	}
	share_row(f, "allocator CPU of its sites", c->alloc_cpu_share);
	share_row(f, "free CPU it would save", c->free_cpu_share);
	share_row(f, "estimated saving", c->est_cpu_saving);
	fputs("</table></div>\n", f);
}

void html_write_detail(FILE *f, const struct an_info *info, const struct an_candidate *c,
		       size_t rank)
{
	fprintf(f, "<details class=\"detail\" id=\"cand-%zu\"%s><summary>#%zu <code>", rank,
		rank == 1 ? " open" : "", rank);
	html_text(f, c->scope.function);
	fputs("()</code> ", f);
	html_location(f, c->scope.file, c->scope.has_line, c->scope.line, c->scope.module);
	fputs(": ", f);
	html_text(f, c->reason);
	fputs("</summary>\n<div class=\"grid\">\n", f);
	write_sites(f, info, c);
	write_lifetimes(f, c, rank);
	write_bytes(f, c);
	write_numbers(f, c);
	fputs("</div></details>\n", f);
}
