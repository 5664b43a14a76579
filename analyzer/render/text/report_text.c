/* report_text.c: the human-readable `arenaprof report`: the recording, the totals, warnings
 * (lost events, a database that was not closed), the CPU share of the allocator, and the call
 * arena candidates (candidates_text.c) and the call sites ranked by allocation count (with their
 * allocator CPU share). */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include <string.h>

#include "an_util.h"
#include "candidates.h"
#include "format.h"

#define FUNC_COL_MAX 48

static const char *or_unknown(const char *s)
{
	return s && *s ? s : "unknown";
}

static void print_header(FILE *f, const char *path, const struct an_info *info)
{
	char b[FMT_BUF];

	fputs("arenaprof report: ", f);
	fput_clean(path, f);
	fputs("\n\ntarget:       ", f);
	fput_clean(info->command && *info->command ? info->command : "unknown command", f);
	if (info->has_pid)
		fprintf(f, " (pid %lld)", info->pid);
	fprintf(f, "\nduration:     %s\n",
		info->has_duration ? fmt_duration(b, info->duration_s) : "unknown");
	fputs("ended by:     ", f);
	fput_clean(or_unknown(info->end_reason), f);
	if (info->target_exit && *info->target_exit) {
		fputs(" (target: ", f);
		fput_clean(info->target_exit, f);
		fputc(')', f);
	}
	fprintf(f, "\nclosed:       %s\n", info->closed ? "yes" : "no");
	fputs("mode:         ", f);
	fput_clean(or_unknown(info->mode), f);
	fputs(", unwinder ", f);
	fput_clean(or_unknown(info->unwind), f);
	if (info->attach && strcmp(info->mode ? info->mode : "", "cpu-only")) {
		fputs(", uprobes attached by ", f);
		fputs(!strcmp(info->attach, "perf")  ? "perf-event links (--attach perf)" :
		      !strcmp(info->attach, "multi") ? "uprobe_multi links" :
						       "unknown means",
		      f);
	}
	if (info->win.present)
		fprintf(f,
			"; overhead budget %.3g%%: %lld windows, probes attached %.1f%% of the time",
			100 * info->win.budget, info->win.count,
			info->has_duration && info->duration_s > 0 ?
				100 * (info->win.armed_s + info->win.tail_s) / info->duration_s :
				0.0);
	if (info->sample_every > 1)
		fprintf(f,
			"; one allocation call in %lld recorded at random (--sample-every), "
			"per-site counts estimated",
			info->sample_every);
	if (info->cpu.go) {
		fputs(", Go program (", f);
		fput_clean(or_unknown(info->go_version), f);
		fputs(info->mode && strcmp(info->mode, "cpu-only") == 0 ?
			      ")" :
			      "; runtime.mallocgc probed at entry)",
		      f);
	}
	fputc('\n', f);
}

/* The second estimator (model/cpu_estimate.h), which calibration it used and what that means. */
static const char *fmt_cpu(char *b, size_t size, const struct an_estimate *e)
{
	char v[FMT_BUF], lo[FMT_BUF], hi[FMT_BUF];

	if (e->cpu_calibration == AN_CAL_IN_PLACE)
		snprintf(b, size,
			 "the CPU samples in allocation calls give ~%s (95%% CI %s - %s; %.0f ns a "
			 "call, calibrated in place on the sites the windows counted)",
			 fmt_count(v, an_to_ll(e->cpu_value)), fmt_count(lo, an_to_ll(e->cpu_lo)),
			 fmt_count(hi, an_to_ll(e->cpu_hi)), e->cpu_call_ns);
	else
		snprintf(
			b, size,
			"the CPU samples in allocation calls give at most ~%s (%.1f ns a call, "
			"malloc's best case in a tight loop; calls in place that cost more make fewer: "
			"3x fewer on the demo service, 6x with Go's mallocgc)",
			fmt_count(v, an_to_ll(e->cpu_value)), e->cpu_call_ns);
	return b;
}

/* "~1.2 M (95% CI 1.0 M - 1.5 M)" */
static const char *fmt_estimate(char *b, size_t size, const struct an_estimate *e, int bytes)
{
	char v[FMT_BUF], lo[FMT_BUF], hi[FMT_BUF], cpu[256];

	if (e->contradicted && !bytes && e->has_cpu) /* the samples outnumber the windows */
		snprintf(
			b, size,
			"unknown from the windows (at least %s; the CPU samples between them stand "
			"for more calls than their interval allows: the target was busier between "
			"the windows than in them); %s (--exact or a larger --overhead counts them)",
			fmt_count(lo, an_to_ll(e->lo)), fmt_cpu(cpu, sizeof(cpu), e));
	else if (e->contradicted)
		snprintf(b, size,
			 "unknown (at least %s, but the target was busier between them than in "
			 "them; --exact or a larger --overhead counts them)",
			 bytes ? fmt_bytes(lo, e->lo) : fmt_count(lo, an_to_ll(e->lo)));
	else if (e->unknown && !bytes && e->has_cpu) /* no interval over AN_MAX_SPAN: estimates.c */
		snprintf(b, size,
			 "unknown from the windows (their interval spans over %.0fx, at least %s); "
			 "%s (--exact or a larger --overhead counts them)",
			 AN_MAX_SPAN, fmt_count(lo, an_to_ll(e->lo)), fmt_cpu(cpu, sizeof(cpu), e));
	else if (e->unknown)
		snprintf(b, size,
			 "unknown (the windows' interval spans over %.0fx, at least %s; --exact or "
			 "a larger --overhead counts them)",
			 AN_MAX_SPAN,
			 bytes ? fmt_bytes(lo, e->lo) : fmt_count(lo, an_to_ll(e->lo)));
	else if (bytes)
		snprintf(b, size, "~%s (95%% CI %s - %s)", fmt_bytes(v, e->value),
			 fmt_bytes(lo, e->lo), fmt_bytes(hi, e->hi));
	else
		snprintf(b, size, "~%s (95%% CI %s - %s)", fmt_count(v, an_to_ll(e->value)),
			 fmt_count(lo, an_to_ll(e->lo)), fmt_count(hi, an_to_ll(e->hi)));
	return b;
}

/* Windowed profiles: the estimated totals and what the probes cost. */
/* A cost in percent of the target's own CPU time (its CPU time without the cost). */
static double cost_pct(double cost_s, double target_cpu_s)
{
	return target_cpu_s > cost_s ? 100 * cost_s / (target_cpu_s - cost_s) : 0.0;
}

static void print_estimates(FILE *f, const struct an_info *info)
{
	const struct an_windows *w = &info->win;
	char b1[512], b2[512], b3[FMT_BUF], b4[FMT_BUF];

	fprintf(f, "\nallocations:  %s estimated for the whole recording, %s/s\n",
		fmt_estimate(b1, sizeof(b1), &w->allocs, 0),
		fmt_count(b3, an_to_ll(w->allocs.per_s)));
	if (!w->allocs.unknown && w->allocs.has_cpu && w->allocs.value > 0)
		fprintf(f, "              second estimate: %s: %.2fx the windows'\n",
			fmt_cpu(b2, sizeof(b2), &w->allocs), w->allocs.cpu_value / w->allocs.value);
	fprintf(f, "bytes:        %s estimated\n", fmt_estimate(b2, sizeof(b2), &w->bytes, 1));
	if (!w->allocs.reliable)
		fprintf(f,
			"WARNING: inside the windows the probes slowed the target %.1fx (they took most "
			"of its CPU): the estimates above are lower bounds; the shares and the CPU "
			"profile are not affected; --exact counts every call\n",
			w->window_slowdown);
	fprintf(f,
		"seen:         %s allocations (%s) and %s frees in %lld windows (%.2f s armed)\n",
		fmt_count(b3, info->allocs), fmt_bytes(b4, (double)info->bytes),
		fmt_count(b1, info->frees), w->count, w->armed_s);
	fprintf(f,
		"probe cost:   %.2f%% of the target's own CPU time (%.3f s of %.2f s: hits times "
		"%.1f us per allocation, %.1f us per free, measured)\n",
		cost_pct(w->probe_cost_s, w->target_cpu_s), w->probe_cost_s, w->target_cpu_s,
		w->alloc_hit_ns / 1000, w->free_hit_ns / 1000);
	if (w->sampler_cost_s > 0)
		fprintf(f,
			"sampler cost: %.2f%% (%.3f s: CPU samples times 8 us, estimated), charged to "
			"the same budget of %.3g%%\n",
			cost_pct(w->sampler_cost_s, w->target_cpu_s), w->sampler_cost_s,
			100 * w->budget);
}

static void print_warning(const char *text, void *arg)
{
	fprintf(arg, "WARNING: %s\n", text);
}

static void print_totals(FILE *f, const struct an_info *info)
{
	char b1[FMT_BUF], b2[FMT_BUF], b3[FMT_BUF];

	if (info->win.present)
		print_estimates(f, info);
	else
		fprintf(f, "\nallocations:  %s (%s requested); %s in recorded stacks\n",
			fmt_count(b1, info->allocs), fmt_bytes(b2, (double)info->bytes),
			fmt_count(b3, info->recorded_allocs));
	if (info->cpu.go)
		fputs("frees:        not observed (Go: the garbage collector frees)\n", f);
	else if (!info->win.present)
		fprintf(f, "frees:        %s\n", fmt_count(b1, info->frees));
	fprintf(f, "lost events:  %s\n", fmt_count(b1, info->lost_events));
	if (info->has_agent_cpu)
		fprintf(f, "agent CPU:    %.2f s%s\n", info->agent_cpu_s,
			info->has_duration && info->duration_s > 0 ?
				(snprintf(b2, sizeof(b2), " (%.1f%% of one CPU)",
					  100 * info->agent_cpu_s / info->duration_s),
				 b2) :
				"");
	an_warnings(info, AN_WARN_RECORDING, print_warning, f);
}

static double pct(const struct an_cpu *cpu, long long samples)
{
	return 100.0 * an_cpu_share(cpu, samples);
}

/* The CPU block: samples and CPU time, the allocator's share and split, the profiler's
 * overhead. */
static void print_cpu(FILE *f, const struct an_info *info)
{
	const struct an_cpu *cpu = &info->cpu;
	char b1[FMT_BUF], b2[FMT_BUF];

	if (cpu->samples <= 0 && cpu->recorded <= 0) {
		fputs("\nCPU samples:  none (no CPU samples in this profile: no CPU share)\n", f);
		return;
	}
	fprintf(f, "\nCPU samples:  %s", fmt_count(b1, cpu->samples));
	if (cpu->has_freq && cpu->freq > 0) {
		fmt_cpu_seconds(b2, (double)cpu->samples / (double)cpu->freq);
		fprintf(f, " (%s of CPU time at %lld Hz)\n", b2, cpu->freq);
	} else {
		fputs(" (CPU time unknown: no sampling frequency)\n", f);
	}
	fprintf(f,
		"allocator:    %.1f%% of the process's CPU time\n"
		"              malloc %.1f%%, free %.1f%%, realloc %.1f%%, kernel memory management "
		"%.1f%%\n",
		pct(cpu, cpu->allocator), pct(cpu, cpu->split[0]), pct(cpu, cpu->split[1]),
		pct(cpu, cpu->split[2]), pct(cpu, cpu->split[3]));
	if (cpu->go || cpu->gc > 0) {
		fprintf(f,
			"garbage collection: %.1f%% of the process's CPU time (marking, sweeping, "
			"assists, write barriers)\n",
			pct(cpu, cpu->gc));
		fprintf(f,
			"theoretical maximum saving: %.1f%% of the CPU time (allocation %.1f%% + "
			"GC %.1f%%)\n",
			pct(cpu, cpu->allocator + cpu->gc), pct(cpu, cpu->allocator),
			pct(cpu, cpu->gc));
	} else {
		fprintf(f,
			"theoretical maximum saving: %.1f%% of the CPU time (all of the "
			"allocator's share)\n",
			pct(cpu, cpu->allocator));
	}
	fprintf(f,
		"profiler overhead: %.1f%% of the samples (uprobe/BPF handling, left out of the "
		"shares above)\n",
		cpu->recorded > 0 ? 100.0 * (double)cpu->overhead / (double)cpu->recorded : 0.0);
	an_warnings(info, AN_WARN_CPU, print_warning, f);
}

static void print_location(FILE *f, const struct an_site *s)
{
	if (s->file) {
		fput_clean(s->file, f);
		if (s->has_line)
			fprintf(f, ":%lld", s->line);
	} else {
		fput_clean(s->module, f);
	}
}

/* The wrappers folded into the site, innermost first: "  via xmalloc < xstrdup". */
static void print_via(FILE *f, const struct an_site *s)
{
	for (size_t k = 0; k < s->nwrappers; k++) {
		fputs(k ? " < " : "  via ", f);
		fput_clean(s->wrappers[k], f);
	}
}

static void print_sites(FILE *f, const struct an_info *info, const struct an_sites *sites,
			size_t top)
{
	char b1[FMT_BUF], b2[FMT_BUF], b3[FMT_BUF];
	size_t n = top && top < sites->n ? top : sites->n, i, w, fw = strlen("function");
	int cpu_col = info->cpu.recorded > 0; /* "alloc CPU": with CPU samples only */

	if (sites->n == 0) {
		fputs("\nNo allocation was recorded.\n", f);
		return;
	}
	for (i = 0; i < n; i++) {
		w = clean_width(sites->v[i].function);
		if (w > fw)
			fw = w < FUNC_COL_MAX ? w : FUNC_COL_MAX;
	}
	fprintf(f, "\nTop %zu of %zu call sites by allocations%s:\n", n, sites->n,
		info->win.present ?
			" (allocs: estimated for the whole recording, +-: 95% CI, ?: unknown, "
			">=: a lower bound; cpu, <=: the windows' is unknown, the count from the CPU "
			"samples, <= an upper bound)" :
			"");
	fprintf(f, "%4s %12s ", "rank", "allocs");
	if (info->win.present)
		fprintf(f, "%5s ", "+-");
	fprintf(f, "%6s %10s %10s ", "share", "bytes", "avg size");
	if (cpu_col)
		fprintf(f, "%9s ", "alloc CPU");
	fprintf(f, " %-*s  %s\n", (int)fw, "function", "location");
	for (i = 0; i < n; i++) {
		const struct an_site *s = &sites->v[i];
		double share = info->recorded_allocs > 0 ?
				       100.0 * (double)s->allocs / (double)info->recorded_allocs :
				       0.0;
		double avg = s->allocs > 0 ? (double)s->bytes / (double)s->allocs : 0.0;

		if (info->win.present) {
			const struct an_estimate *e = &s->est_allocs;
			double half = e->value > 0 ? 50 * (e->hi - e->lo) / e->value : 0;

			if (e->unknown && e->has_cpu) /* the CPU samples' estimate instead */
				fprintf(f, "%4zu %12s %5s ", i + 1,
					fmt_count(b1, an_to_ll(e->cpu_value)),
					e->cpu_calibration == AN_CAL_IN_PLACE ? "cpu" : "<=");
			else if (e->unknown) /* no interval: the windows' spans over AN_MAX_SPAN */
				fprintf(f, "%4zu %12s %5s ", i + 1,
					fmt_count(b1, an_to_ll(e->value)), "?");
			else if (e->reliable)
				fprintf(f, "%4zu %12s %4.0f%% ", i + 1,
					fmt_count(b1, an_to_ll(e->value)), half);
			else /* a lower bound */
				fprintf(f, "%4zu %12s %5s ", i + 1,
					fmt_count(b1, an_to_ll(e->value)), ">=");
		} else {
			fprintf(f, "%4zu %12s ", i + 1, fmt_count(b1, s->allocs));
		}
		fprintf(f, "%5.1f%% %10s %10s ", share, fmt_bytes(b2, (double)s->bytes),
			fmt_bytes(b3, avg));
		if (cpu_col && s->alloc_cpu_samples > 0)
			fprintf(f, "%8.1f%% ", pct(&info->cpu, s->alloc_cpu_samples));
		else if (cpu_col)
			fprintf(f, "%9s ", "-");
		fputc(' ', f);
		fput_clean(s->function, f);
		for (w = clean_width(s->function); w < fw; w++)
			fputc(' ', f);
		fputs("  ", f);
		print_location(f, s);
		print_via(f, s);
		fputc('\n', f);
	}
}

void report_text(FILE *f, const char *path, const struct an_info *info,
		 const struct an_sites *sites, const struct an_candidates *cands,
		 const struct go_candidates *go, size_t top)
{
	print_header(f, path, info);
	print_totals(f, info);
	print_cpu(f, info);
	if (info->cpu.go) /* no lifetimes in Go: candidates by enclosing function */
		go_candidates_text(f, info, sites, go, top);
	else
		candidates_text(f, info, cands, top);
	wrappers_text(f, info);
	print_sites(f, info, sites, top);
}
