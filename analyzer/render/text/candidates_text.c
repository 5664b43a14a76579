/* candidates_text.c: the "Arena candidates" section of the text report: the scope candidates
 * ranked by score (recommendation, numbers, risk and reason), then the sites that are not
 * candidates with their reason; sites with too few sampled objects are counted on one line. */
#define _POSIX_C_SOURCE 200809L
#include "candidates.h"

#include "format.h"
#include "prediction_text.h"

static void print_site(FILE *f, const struct an_site *s)
{
	fputc('`', f);
	fput_clean(s->function, f);
	fputs("` (", f);
	if (s->file) {
		fput_clean(s->file, f);
		if (s->has_line)
			fprintf(f, ":%lld", s->line);
	} else {
		fput_clean(s->module, f);
	}
	fputc(')', f);
}

static void print_numbers(FILE *f, const struct an_candidate *c)
{
	char b1[FMT_BUF], b2[FMT_BUF];

	fputs("     ", f);
	if (c->has_rate)
		fprintf(f, "%s%.0f objects/s", c->rate_lower_bound ? ">=" : "", c->objects_per_s);
	else
		fprintf(f, "%lld sampled objects", c->objects);
	if (c->has_bytes)
		fprintf(f, ", %s per scope (p50) / %s (p99)", fmt_bytes(b1, (double)c->bytes_p50),
			fmt_bytes(b2, (double)c->bytes_p99));
	if (c->has_life)
		fprintf(f, ", lifetime %s (p50) / %s (p99)", fmt_ns(b1, c->life_p50),
			fmt_ns(b2, c->life_p99));
	if (c->censored_objects > 0 && c->has_km) /* Kaplan-Meier with the censored ones */
		fprintf(f, ", median lifetime %s%s (%lld censored)",
			c->km_median_censored ? "> " : "", fmt_ns(b1, c->km_median_ns),
			c->censored_objects);
	fprintf(f, "\n     escapes %.1f%%, cross-thread %.1f%%, long-lived %.1f%%",
		100.0 * c->escape_share, 100.0 * c->cross_thread_share,
		100.0 * c->long_lived_share);
	if (c->free_function) {
		fputs(", freed by ", f);
		fput_clean(c->free_function, f);
		fprintf(f, "%s, %.0f%%", c->free_recursive ? " recursion" : "",
			100.0 * c->free_share);
	}
	fputc('\n', f);
}

static void print_candidate(FILE *f, size_t rank, const struct an_candidate *c, int has_cpu)
{
	fprintf(f, "%3zu. ", rank);
	if (c->recommendation)
		fput_clean(c->recommendation, f);
	else {
		fputs("`", f);
		fput_clean(c->scope.function, f);
		fputs("()`: not recommended", f);
	}
	fputc('\n', f);
	if (has_cpu)
		fprintf(f, "     estimated saving %.1f%% of the CPU time (score %.4f), ",
			100.0 * c->est_cpu_saving, c->score);
	else
		fprintf(f, "     no CPU samples: ranked by objects/s (score %.1f), ", c->score);
	fprintf(f, "%s, risk %s\n", c->verified ? "verified" : "not verified",
		cand_risk_name(c->risk));
	print_numbers(f, c);
	prediction_text(f, c);
	fputs("     ", f);
	fput_clean(c->reason, f);
	fputc('\n', f);
}

void candidates_text(FILE *f, const struct an_info *info, const struct an_candidates *c, size_t top)
{
	int has_cpu = info->cpu.recorded - info->cpu.overhead > 0;
	size_t i, rank = 0, shown = 0, few = 0, rejected = 0;

	if (c->objects == 0) {
		fputs("\nArena candidates: none (no sampled object lifetimes in this profile: "
		      "record with --track-every N)\n",
		      f);
		return;
	}
	fprintf(f, "\nArena candidates (from %lld sampled objects", c->objects);
	if (c->track_every > 0)
		fprintf(f, ", 1 allocation in %lld followed", c->track_every);
	fputs("):\n", f);
	for (i = 0; i < c->n; i++)
		if (c->v[i].is_scope)
			print_candidate(f, ++rank, &c->v[i], has_cpu);
	if (rank == 0)
		fputs("  none: no site's objects share a scope\n", f);
	for (i = 0; i < c->n; i++) {
		const struct an_candidate *e = &c->v[i];

		if (e->is_scope)
			continue;
		if (e->verdict == CAND_TOO_FEW) {
			few++;
			continue;
		}
		if (rejected++ == 0)
			fputs("  Not recommended:\n", f);
		if (top && shown >= top)
			continue;
		shown++;
		fputs("     ", f);
		print_site(f, e->sites[0]);
		fputs(": ", f);
		fput_clean(e->reason, f);
		fputc('\n', f);
	}
	if (rejected > shown)
		fprintf(f, "     ... and %zu more (-n 0 lists all)\n", rejected - shown);
	if (few)
		fprintf(f,
			"     %zu site%s with fewer than %d sampled objects (too few sampled "
			"objects to judge)\n",
			few, few == 1 ? "" : "s", CAND_MIN_OBJECTS);
}
