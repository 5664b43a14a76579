/* go_candidates_text.c: the Go arena candidates in the text report (the functions enclosing
 * allocation sites, ranked by score; see go_candidates.h). */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <string.h>

#include "format.h"

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path;
}

static void print_where(FILE *f, const char *file, int has_line, long long line, const char *module)
{
	fputs(" (", f);
	if (file) {
		fput_clean(base_name(file), f);
		if (has_line)
			fprintf(f, ":%lld", line);
	} else {
		fput_clean(base_name(module ? module : AN_UNKNOWN), f);
	}
	fputc(')', f);
}

void go_candidates_text(FILE *f, const struct an_info *info, const struct an_sites *sites,
			const struct go_candidates *c, size_t top)
{
	char b1[FMT_BUF], b2[FMT_BUF];
	size_t n = top && top < c->n ? top : c->n, small = 0;

	if (c->n == 0) {
		fputs("\nGo arena candidates: none (no allocation was recorded)\n", f);
		return;
	}
	fputs("\nGo arena candidates (object lifetimes are not observable in Go: ranked by "
	      "allocation + GC CPU share;\ncheck that the objects do not outlive the function "
	      "before moving them into an arena):\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		const struct go_candidate *g = &c->v[i];
		double share = info->recorded_allocs > 0 ?
				       100.0 * (double)g->allocs / (double)info->recorded_allocs :
				       0.0;

		if (share < 0.1 && g->score < 0.001) { /* listed in the JSON only */
			small++;
			continue;
		}
		fprintf(f, "%3zu. ", i + 1);
		if (g->function) {
			fput_clean(g->function, f);
			print_where(f, g->file, g->has_line, g->line, g->module);
			fputs(": a := arena.NewArena(); defer a.Free() here", f);
		} else {
			fputs("(no common enclosing function)", f);
		}
		fprintf(f,
			"\n     %s allocations (%.1f%%), %s; allocation CPU %.1f%% + GC ~%.1f%% "
			"(by bytes) = %.1f%% of the CPU time\n     sites:",
			fmt_count(b1, g->allocs), share, fmt_bytes(b2, (double)g->bytes),
			100.0 * g->alloc_cpu_share, 100.0 * g->gc_cpu_share, 100.0 * g->score);
		for (size_t k = 0; k < g->nsites && k < GO_TEXT_SITES; k++) {
			const struct an_site *s = &sites->v[g->sites[k]];

			fputs(k ? ", " : " ", f);
			fput_clean(s->function, f);
			print_where(f, s->file, s->has_line, s->line, s->module);
			fprintf(f, " %s", fmt_count(b1, s->allocs));
		}
		if (g->nsites > GO_TEXT_SITES)
			fprintf(f, ", and %zu more", g->nsites - GO_TEXT_SITES);
		fputc('\n', f);
	}
	if (small || n < c->n)
		fprintf(f,
			"     ... and %zu more with under 0.1%% of the allocations and of the CPU "
			"time (all in --json)\n",
			small + c->n - n);
}
