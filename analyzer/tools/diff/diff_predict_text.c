/* diff_predict_text.c: the text block of `arenaprof diff` that shows before's prediction for its
 * top arena candidate against what after measured (diff_predict.h). */
#define _POSIX_C_SOURCE 200809L
#include "diff.h"

#include "format.h"

/* One row: label, before, predicted, measured; pct: shares shown as percentages. */
static void row(FILE *f, const char *label, const struct diff_pq *q, int pct, int decimals)
{
	char b[3][FMT_BUF];
	const int has[3] = { q->has_before, q->has_predicted, q->has_measured };
	const double v[3] = { q->before, q->predicted, q->measured };

	for (int i = 0; i < 3; i++) {
		if (!has[i])
			snprintf(b[i], FMT_BUF, "-");
		else if (pct)
			snprintf(b[i], FMT_BUF, "%.1f%%", 100.0 * v[i]);
		else
			snprintf(b[i], FMT_BUF, "%.*f", decimals, v[i]);
	}
	fprintf(f, "  %-24s %14s %14s %14s\n", label, b[0], b[1], b[2]);
}

void diff_predict_text(FILE *f, const struct diff *d)
{
	const struct diff_prediction *p = &d->before->pred;

	if (!p->present)
		return;
	fputs("\nPrediction of before's top candidate, `", f);
	fput_clean(p->scope, f);
	fprintf(f, "()`: saving %.1f%% (90%%: %.1f-%.1f%%)", 100.0 * p->saving,
		100.0 * p->saving_lo, 100.0 * p->saving_hi);
	if (p->has_walk)
		fprintf(f, ", %.1f%% (90%%: %.1f-%.1f%%) with its free walk deleted",
			100.0 * p->with_walk, 100.0 * p->with_walk_lo, 100.0 * p->with_walk_hi);
	fputs("\n", f);
	fprintf(f, "  %-24s %14s %14s %14s\n", "", "before", "predicted", "after");
	row(f, "CPU seconds", &p->cpu_s, 0, 2);
	if (p->cpu_s.has_before && p->cpu_s.has_measured && p->cpu_s.before > 0)
		fprintf(f, "  %-24s %14s %14.1f%% %13.1f%%\n", "  CPU saving", "",
			100.0 * (1 - p->cpu_s.predicted / p->cpu_s.before),
			100.0 * (1 - p->cpu_s.measured / p->cpu_s.before));
	row(f, "allocator CPU share", &p->allocator_share, 1, 0);
	row(f, "allocator calls/s", &p->allocs_per_s, 0, 0);
	row(f, "peak RSS (KiB)", &p->peak_rss_kib, 0, 0);
	fputs("  (the CPU saving compares CPU seconds: both recordings must have run the same "
	      "work)\n",
	      f);
}
