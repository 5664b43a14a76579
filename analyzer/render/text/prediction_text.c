/* prediction_text.c: the lines of a text report's candidate that show its predicted saving in
 * parts with the 90% interval, and the memory an arena would hold against malloc. */
#define _POSIX_C_SOURCE 200809L
#include "prediction_text.h"

#include "format.h"

static void pct_sd(FILE *f, const char *what, double v, double sd)
{
	fprintf(f, "%s %.1f%% (+-%.1f)", what, 100.0 * v, 100.0 * sd);
}

void prediction_text(FILE *f, const struct an_candidate *c)
{
	const struct savings *p = &c->pred;
	const struct cand_memory *m = &c->mem;
	char b1[FMT_BUF], b2[FMT_BUF], b3[FMT_BUF];

	if (c->has_prediction) {
		fprintf(f, "     saving %.1f%% (90%%: %.1f-%.1f%%) = ", 100.0 * p->est,
			100.0 * p->lo, 100.0 * p->hi);
		pct_sd(f, "malloc side", p->malloc_side, p->sd_malloc);
		pct_sd(f, " + free side", p->free_side, p->sd_free);
		fprintf(f, " - arena in place %.1f%% (%.2f of malloc+free)\n",
			100.0 * p->arena_cost, c->pred_in.cost_fraction);
		if (c->walk_function) {
			fputs("     if you also delete the free walk `", f);
			fput_clean(c->walk_function, f);
			fprintf(f, "()` (%.1f%%): saving %.1f%% (90%%: %.1f-%.1f%%)\n",
				100.0 * p->walk, 100.0 * p->with_walk, 100.0 * p->with_walk_lo,
				100.0 * p->with_walk_hi);
		}
	}
	if (!m->present)
		return;
	fprintf(f,
		"     memory: %lld invocation%s live at once, the arena holds %s at the peak, "
		"malloc %s (peak live in an invocation, p99): RSS %s%s\n",
		m->live_invocations, m->live_invocations == 1 ? "" : "s",
		fmt_bytes(b1, (double)m->arena_peak_bytes),
		fmt_bytes(b2, (double)m->malloc_peak_bytes), m->rss_change_bytes >= 0 ? "+" : "-",
		fmt_bytes(b3, (double)(m->rss_change_bytes >= 0 ? m->rss_change_bytes :
								  -m->rss_change_bytes)));
	if (m->windows_cut)
		fputs("     (seen through the overhead-budget windows, which can cut an invocation: "
		      "likely low; --exact sees whole invocations)\n",
		      f);
	if (m->warning)
		fprintf(f,
			"     warning: the arena holds %.1fx what malloc holds at its peak in an "
			"invocation (p50): objects freed early in a long scope, or a loop over a "
			"large input; reset the arena more often\n",
			m->hold_ratio_p50);
}
