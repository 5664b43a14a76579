/* html_summary.c: the summary of the HTML report: headline numbers, the recording, the totals,
 * the allocator's CPU share with its split (malloc, free, realloc, kernel) as a bar, the
 * theoretical maximum saving, and the warnings of the text report. */
#define _POSIX_C_SOURCE 200809L
#include "html.h"

#include "an_util.h"
#include "format.h"

static const char *const split_keys[] = { "malloc", "free", "realloc", "kernel_mm" };
static const char *const split_names[] = { "malloc", "free", "realloc",
					   "kernel memory management" };

static int has_cpu(const struct an_cpu *cpu)
{
	return cpu->samples > 0 || cpu->recorded > 0;
}

static void card(FILE *f, const char *id, const char *value, const char *what)
{
	fprintf(f, "<div class=\"card\" id=\"%s\"><div class=\"big\">%s</div><div>%s</div></div>\n",
		id, value, what);
}

static void write_cards(FILE *f, const struct html_doc *d)
{
	const struct an_info *info = &d->r.info;
	const struct an_candidates *c = &d->r.cands;
	char b[FMT_BUF];
	size_t i;

	fputs("<div class=\"cards\">\n", f);
	if (has_cpu(&info->cpu)) {
		snprintf(b, sizeof(b), "%.1f%%",
			 100.0 * an_cpu_share(&info->cpu, info->cpu.allocator));
		card(f, "card-allocator", b, "of the CPU time in the allocator");
		card(f, "card-max-saving", b, "theoretical maximum saving (all of it)");
	}
	for (i = 0; i < c->n && !c->v[i].is_scope; i++)
		;
	if (i < c->n && info->cpu.recorded - info->cpu.overhead > 0) { /* ranked by CPU */
		snprintf(b, sizeof(b), "%.1f%%", 100.0 * c->v[i].est_cpu_saving);
		card(f, "card-best", b, "estimated saving of the best arena candidate");
	}
	if (info->win.present)
		card(f, "card-allocs", fmt_count(b, an_to_ll(info->win.allocs.value)),
		     "allocations, estimated for the whole recording");
	else
		card(f, "card-allocs", fmt_count(b, info->allocs), "allocations recorded");
	fputs("</div>\n", f);
}

static void write_recording(FILE *f, const struct html_doc *d)
{
	const struct an_info *info = &d->r.info;
	char b[FMT_BUF];

	fputs("<table class=\"kv\" id=\"recording\"><caption>Recording</caption>\n", f);
	html_row(f, NULL, 0, "profile");
	html_text(f, d->path);
	html_row_end(f);
	html_row(f, NULL, 0, "target");
	html_text(f, info->command && *info->command ? info->command : "unknown command");
	if (info->has_pid)
		fprintf(f, " (pid %lld)", info->pid);
	html_row_end(f);
	html_row(f, NULL, 0, "duration");
	fputs(info->has_duration ? fmt_duration(b, info->duration_s) : "unknown", f);
	html_row_end(f);
	html_row(f, NULL, 0, "ended by");
	html_text(f, info->end_reason && *info->end_reason ? info->end_reason : "unknown");
	if (info->target_exit && *info->target_exit) {
		fputs(" (target: ", f);
		html_text(f, info->target_exit);
		fputc(')', f);
	}
	html_row_end(f);
	html_row(f, NULL, 0, "closed");
	fputs(info->closed ? "yes" : "no", f);
	html_row_end(f);
	html_row(f, NULL, 0, "mode");
	html_text(f, info->mode && *info->mode ? info->mode : "unknown");
	fputs(", unwinder ", f);
	html_text(f, info->unwind && *info->unwind ? info->unwind : "unknown");
	html_row_end(f);
	fputs("</table>\n", f);
}

static void count_row(FILE *f, const char *key, const char *label, long long v)
{
	char b[FMT_BUF];

	html_row(f, key, (double)v, label);
	fputs(fmt_count(b, v), f);
	html_row_end(f);
}

static void write_totals(FILE *f, const struct an_info *info)
{
	char b[FMT_BUF];

	fputs("<table class=\"kv\" id=\"totals\"><caption>Totals</caption>\n", f);
	count_row(f, "allocs", "allocations", info->allocs);
	html_row(f, "bytes", (double)info->bytes, "requested");
	fputs(fmt_bytes(b, (double)info->bytes), f);
	html_row_end(f);
	count_row(f, "frees", "frees", info->frees);
	count_row(f, "lost_events", "lost events", info->lost_events);
	count_row(f, "recorded_allocs", "in recorded stacks", info->recorded_allocs);
	if (info->win.present) { /* the counts above are what the windows saw */
		const struct an_windows *w = &info->win;

		count_row(f, "windows", "overhead-budget windows", w->count);
		html_row(f, "allocs_estimated", w->allocs.value, "allocations, estimated");
		fprintf(f, "%s (95%% CI ", fmt_count(b, an_to_ll(w->allocs.value)));
		fprintf(f, "%s &ndash; ", fmt_count(b, an_to_ll(w->allocs.lo)));
		fprintf(f, "%s)", fmt_count(b, an_to_ll(w->allocs.hi)));
		html_row_end(f);
		html_row(f, "probe_cost_share",
			 w->target_cpu_s > w->probe_cost_s ?
				 w->probe_cost_s / (w->target_cpu_s - w->probe_cost_s) :
				 0.0,
			 "probe cost, of the target's CPU");
		html_pct(f, w->target_cpu_s > w->probe_cost_s ?
				    w->probe_cost_s / (w->target_cpu_s - w->probe_cost_s) :
				    0.0);
		html_row_end(f);
	}
	fputs("</table>\n", f);
}

static void share_row(FILE *f, const char *key, const char *label, double share)
{
	html_row(f, key, share, label);
	html_pct(f, share);
	html_row_end(f);
}

/* The allocator's split and the rest of the CPU time as one bar, with its legend. */
static void write_split_bar(FILE *f, const struct an_cpu *cpu)
{
	static const char *const cls[] = { "s-malloc", "s-free", "s-realloc", "s-kernel" };
	size_t i;

	fputs("<div class=\"split\" title=\"the process's CPU time\">", f);
	for (i = 0; i < 4; i++)
		html_bar(f, an_cpu_share(cpu, cpu->split[i]), cls[i]);
	fputs("</div>\n<p class=\"legend\">", f);
	for (i = 0; i < 4; i++) {
		fprintf(f, "<span class=\"key %s\"></span>%s ", cls[i], split_names[i]);
		html_pct(f, an_cpu_share(cpu, cpu->split[i]));
		fputs(i < 3 ? " &nbsp; " : "", f);
	}
	fputs(" &nbsp; <span class=\"key s-rest\"></span>the rest of the CPU time</p>\n", f);
}

static void write_cpu(FILE *f, const struct an_cpu *cpu)
{
	char b1[FMT_BUF], b2[FMT_BUF];
	size_t i;

	fputs("<table class=\"kv\" id=\"cpu\"><caption>CPU</caption>\n", f);
	if (!has_cpu(cpu)) {
		html_row(f, "cpu_samples", 0, "CPU samples");
		fputs("none (no CPU samples in this profile: no CPU share)", f);
		html_row_end(f);
		fputs("</table>\n", f);
		return;
	}
	html_row(f, "cpu_samples", (double)cpu->samples, "CPU samples");
	fputs(fmt_count(b1, cpu->samples), f);
	if (cpu->has_freq && cpu->freq > 0)
		fprintf(f, " (%s of CPU time at %lld Hz)",
			fmt_cpu_seconds(b2, (double)cpu->samples / (double)cpu->freq), cpu->freq);
	html_row_end(f);
	share_row(f, "allocator_cpu_share", "allocator", an_cpu_share(cpu, cpu->allocator));
	for (i = 0; i < 4; i++)
		share_row(f, split_keys[i], split_names[i], an_cpu_share(cpu, cpu->split[i]));
	share_row(f, "max_saving", "theoretical maximum saving", an_cpu_share(cpu, cpu->allocator));
	share_row(f, "profiler_overhead_share", "profiler overhead",
		  cpu->recorded > 0 ? (double)cpu->overhead / (double)cpu->recorded : 0.0);
	count_row(f, "cpu_lost", "lost CPU samples", cpu->lost);
	fputs("</table>\n", f);
}

static void write_warning(const char *text, void *arg)
{
	fputs("<li>", arg);
	html_text(arg, text);
	fputs("</li>\n", arg);
}

void html_write_summary(FILE *f, const struct html_doc *d)
{
	const struct an_info *info = &d->r.info;

	fputs("<section id=\"summary\">\n<h2>Summary</h2>\n", f);
	write_cards(f, d);
	fputs("<ul class=\"warnings\">", f);
	an_warnings(info, AN_WARN_RECORDING | AN_WARN_CPU, write_warning, f);
	fputs("</ul>\n", f);
	if (has_cpu(&info->cpu)) {
		fputs("<h3>Where the CPU time goes</h3>\n", f);
		write_split_bar(f, &info->cpu);
	}
	fputs("<div class=\"cols\">\n", f);
	write_recording(f, d);
	write_totals(f, info);
	write_cpu(f, &info->cpu);
	fputs("</div>\n</section>\n", f);
}
