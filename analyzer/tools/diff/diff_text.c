/* diff_text.c: the human-readable `arenaprof diff`: the two recordings, warnings, a totals block
 * (before, after, change, relative change) and the matched call sites sorted by the largest drop
 * in allocations per second. */
#define _POSIX_C_SOURCE 200809L
#include "diff.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_share.h"
#include "format.h"
#include "site_fold.h"

#define FUNC_COL_MAX 48
#define NA "-"

/* v with `decimals` decimals and thousands separators; with sign, a '+' before positive values.
 * A value that rounds to zero has no sign. */
static const char *fmt_num(char buf[FMT_BUF], double v, int decimals, int sign)
{
	char tmp[FMT_BUF], ipart[FMT_BUF], *dot;
	const char *pfx;
	int zero = 1;
	size_t i;

	if (!isfinite(v) || fabs(v) >= 1e15) {
		snprintf(buf, FMT_BUF, "%.3g", v);
		return buf;
	}
	snprintf(tmp, sizeof(tmp), "%.*f", decimals, fabs(v));
	for (i = 0; tmp[i]; i++)
		if (tmp[i] >= '1' && tmp[i] <= '9')
			zero = 0;
	dot = strchr(tmp, '.');
	fmt_count(ipart, strtoll(tmp, NULL, 10));
	if (zero)
		pfx = "";
	else if (v < 0)
		pfx = "-";
	else
		pfx = sign ? "+" : "";
	/* at most 27 characters: the return value only silences -Wformat-truncation */
	if (snprintf(buf, FMT_BUF, "%s%s%s", pfx, ipart, dot ? dot : "") >= FMT_BUF)
		buf[FMT_BUF - 1] = '\0';
	return buf;
}

/* A relative change as a signed percentage; "-" when it has no value (before 0). */
static const char *fmt_rel(char buf[FMT_BUF], double before, double after, int ok)
{
	char n[FMT_BUF];
	double rel;
	int rel_ok;

	if (!ok)
		return NA;
	rel = diff_rel(before, after, &rel_ok);
	if (!rel_ok)
		return NA;
	snprintf(buf, FMT_BUF, "%s%%", fmt_num(n, 100.0 * rel, 1, 1));
	return buf;
}

static const char *fmt_pct(char buf[FMT_BUF], double share)
{
	snprintf(buf, FMT_BUF, "%.1f%%", 100.0 * share);
	return buf;
}

/* A change of a share in percentage points. */
static const char *fmt_pts(char buf[FMT_BUF], double change)
{
	char n[FMT_BUF];

	snprintf(buf, FMT_BUF, "%s pts", fmt_num(n, 100.0 * change, 1, 1));
	return buf;
}

static const char *fmt_signed_bytes(char buf[FMT_BUF], double v)
{
	char b[FMT_BUF];

	fmt_bytes(b, v);
	if (snprintf(buf, FMT_BUF, "%s%s", v > 0 ? "+" : "", b) >= FMT_BUF)
		buf[FMT_BUF - 1] = '\0'; /* cannot happen: fmt_bytes is short */
	return buf;
}

/* A line of the totals block, without trailing blanks. */
static void row(FILE *f, const char *label, const char *b, const char *a, const char *chg,
		const char *rel)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "%-26s %14s %14s %14s %10s", label, b, a, chg, rel);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	while (n > 0 && line[n - 1] == ' ')
		n--;
	fprintf(f, "%.*s\n", n, line);
}

static void print_recording(FILE *f, const char *what, const struct diff_profile *p)
{
	const struct an_info *info = &p->info;
	char b[FMT_BUF];

	fprintf(f, "%-8s ", what);
	fput_clean(info->command && *info->command ? info->command : "unknown command", f);
	if (info->has_pid)
		fprintf(f, " (pid %lld)", info->pid);
	fprintf(f, ", %s, mode ",
		info->has_duration ? fmt_duration(b, info->duration_s) : "duration unknown");
	fput_clean(info->mode && *info->mode ? info->mode : "unknown", f);
	if (info->win.present)
		fputs(" (allocation counts and bytes: estimated for the whole recording)", f);
	fputc('\n', f);
	if (info->raw_sites) {
		fputs("         sites raw (--no-wrappers)\n", f);
		return;
	}
	for (size_t i = 0; i < info->nwrappers; i++) { /* the wrappers its sites are past */
		fputs(i ? ", " : "         wrappers folded into their callers: ", f);
		fput_clean(info->wrappers[i].function, f);
	}
	if (info->nwrappers)
		fputc('\n', f);
}

static void print_warnings(FILE *f, const struct diff *d)
{
	const struct diff_profile *p[2] = { d->before, d->after };
	const char *ma = d->after->info.mode, *mb = d->before->info.mode;
	char b[FMT_BUF];
	int i, ok;

	for (i = 0; i < 2; i++) {
		const struct an_info *info = &p[i]->info;

		if (info->lost_events > 0) {
			fputs("WARNING: ", f);
			fput_clean(p[i]->path, f);
			fprintf(f,
				": %s allocation records were lost (ring buffer full): its call "
				"sites miss them\n",
				fmt_count(b, info->lost_events));
		}
		if (!info->closed) {
			fputs("WARNING: ", f);
			fput_clean(p[i]->path, f);
			fputs(" was not closed (agent killed, or still recording)\n", f);
		}
		diff_seconds(info, &ok);
		if (!ok) {
			fputs("WARNING: ", f);
			fput_clean(p[i]->path, f);
			fputs(": recording length unknown: no per-second rates, sites sorted by the "
			      "change in allocations\n",
			      f);
		}
	}
	for (i = 0; i < 2; i++)
		if (p[i]->info.win.present && !p[i]->info.win.allocs.reliable) {
			fputs("WARNING: ", f);
			fput_clean(p[i]->path, f);
			fprintf(f,
				": its allocation counts are lower bounds (the probes slowed the "
				"target %.1fx inside the windows): compare the CPU shares, or record "
				"both with --exact for counts\n",
				p[i]->info.win.window_slowdown);
		}
	if (ma && mb && strcmp(ma, mb) != 0) {
		fputs("WARNING: recorded in different modes (", f);
		fput_clean(mb, f);
		fputs(", ", f);
		fput_clean(ma, f);
		fputs("): allocation counts are not comparable\n", f);
	}
}

static void print_rate_rows(FILE *f, const char *label, const struct diff *d, long long vb,
			    long long va, int bytes)
{
	char b1[FMT_BUF], b2[FMT_BUF], b3[FMT_BUF], b4[FMT_BUF];
	int okb, oka;
	double rb = diff_per_s(&d->before->info, vb, &okb);
	double ra = diff_per_s(&d->after->info, va, &oka);
	int ok = okb && oka;

	if (bytes)
		row(f, label, okb ? fmt_bytes(b1, rb) : NA, oka ? fmt_bytes(b2, ra) : NA,
		    ok ? fmt_signed_bytes(b3, ra - rb) : NA, fmt_rel(b4, rb, ra, ok));
	else
		row(f, label, okb ? fmt_num(b1, rb, 1, 0) : NA, oka ? fmt_num(b2, ra, 1, 0) : NA,
		    ok ? fmt_num(b3, ra - rb, 1, 1) : NA, fmt_rel(b4, rb, ra, ok));
}

static void print_cores(FILE *f, const char *label, double vb, int okb, double va, int oka)
{
	char b1[FMT_BUF], b2[FMT_BUF], b3[FMT_BUF], b4[FMT_BUF];
	int ok = okb && oka;

	row(f, label, okb ? fmt_num(b1, vb, 2, 0) : NA, oka ? fmt_num(b2, va, 2, 0) : NA,
	    ok ? fmt_num(b3, va - vb, 2, 1) : NA, fmt_rel(b4, vb, va, ok));
}

static void print_share(FILE *f, const char *label, const struct diff *d, long long sb,
			long long sa, int with_rel)
{
	const struct an_cpu *cb = &d->before->info.cpu, *ca = &d->after->info.cpu;
	char b1[FMT_BUF], b2[FMT_BUF], b3[FMT_BUF], b4[FMT_BUF];
	int hb = diff_has_cpu(&d->before->info), ha = diff_has_cpu(&d->after->info);
	double vb = an_cpu_share(cb, sb), va = an_cpu_share(ca, sa);

	row(f, label, hb ? fmt_pct(b1, vb) : NA, ha ? fmt_pct(b2, va) : NA,
	    hb && ha ? fmt_pts(b3, va - vb) : NA, with_rel ? fmt_rel(b4, vb, va, hb && ha) : "");
}

static void print_totals(FILE *f, const struct diff *d)
{
	static const char *const split[CPU_NSPLIT] = { "  malloc", "  free", "  realloc",
						       "  kernel memory management" };
	const struct an_info *bi = &d->before->info, *ai = &d->after->info;
	char b1[FMT_BUF], b2[FMT_BUF], b3[FMT_BUF], b4[FMT_BUF];
	double vb, va;
	int okb, oka;
	size_t i;

	fputc('\n', f);
	row(f, "", "before", "after", "change", "relative");
	row(f, "allocations", fmt_count(b1, bi->allocs), fmt_count(b2, ai->allocs),
	    fmt_num(b3, (double)ai->allocs - (double)bi->allocs, 0, 1),
	    fmt_rel(b4, (double)bi->allocs, (double)ai->allocs, 1));
	print_rate_rows(f, "allocations/s", d, bi->allocs, ai->allocs, 0);
	row(f, "bytes requested", fmt_bytes(b1, (double)bi->bytes),
	    fmt_bytes(b2, (double)ai->bytes),
	    fmt_signed_bytes(b3, (double)ai->bytes - (double)bi->bytes),
	    fmt_rel(b4, (double)bi->bytes, (double)ai->bytes, 1));
	print_rate_rows(f, "bytes/s", d, bi->bytes, ai->bytes, 1);
	if (!diff_has_cpu(bi) && !diff_has_cpu(ai)) {
		fputs("CPU: no CPU samples in either profile: no CPU comparison\n", f);
	} else {
		vb = diff_cpu_cores(bi, &okb);
		va = diff_cpu_cores(ai, &oka);
		print_cores(f, "CPU cores used", vb, okb, va, oka);
		vb = diff_cpu_cores_excl_overhead(bi, &okb);
		va = diff_cpu_cores_excl_overhead(ai, &oka);
		print_cores(f, "  without profiler", vb, okb, va, oka);
		print_share(f, "allocator CPU share", d, bi->cpu.allocator, ai->cpu.allocator, 1);
		for (i = 0; i < CPU_NSPLIT; i++)
			print_share(f, split[i], d, bi->cpu.split[i], ai->cpu.split[i], 0);
		vb = diff_overhead_share(bi);
		va = diff_overhead_share(ai);
		row(f, "profiler overhead", diff_has_cpu(bi) ? fmt_pct(b1, vb) : NA,
		    diff_has_cpu(ai) ? fmt_pct(b2, va) : NA,
		    diff_has_cpu(bi) && diff_has_cpu(ai) ? fmt_pts(b3, va - vb) : NA, "");
	}
	snprintf(b3, sizeof(b3), "%zu new, %zu gone", d->nnew, d->ngone);
	fprintf(f, "%-26s %14zu %14zu   %s\n", "call sites", d->nbefore, d->nafter, b3);
}

static void print_location(FILE *f, const struct diff_site *s)
{
	const char *module = s->after.module ? s->after.module : s->before.module;

	if (s->file) {
		fput_clean(s->file, f);
		if (s->has_line)
			fprintf(f, ":%lld", s->line);
	} else {
		fput_clean(module ? module : AN_UNKNOWN, f);
	}
}

/* A group label over width columns: "---- label ----". */
static void group(FILE *f, const char *label, int width)
{
	int len = (int)strlen(label) + 2, left = (width - len) / 2, i;

	for (i = 0; i < left; i++)
		fputc('-', f);
	fprintf(f, " %s ", label);
	for (i = left + len; i < width; i++)
		fputc('-', f);
}

static void print_site(FILE *f, const struct diff *d, const struct diff_site *s, size_t rank,
		       size_t fw, int cpu_col)
{
	static const char *const status[] = { "both", "new", "gone" };
	const struct an_info *bi = &d->before->info, *ai = &d->after->info;
	char b1[FMT_BUF], b2[FMT_BUF], b3[FMT_BUF], b4[FMT_BUF];
	int okb, oka, ok;
	double rb = diff_per_s(bi, s->before.allocs, &okb);
	double ra = diff_per_s(ai, s->after.allocs, &oka);
	size_t w;

	ok = okb && oka;
	fprintf(f, "%4zu %11s %11s %11s %8s ", rank, okb ? fmt_num(b1, rb, 1, 0) : NA,
		oka ? fmt_num(b2, ra, 1, 0) : NA, ok ? fmt_num(b3, ra - rb, 1, 1) : NA,
		s->status == DIFF_NEW ? "new" : fmt_rel(b4, rb, ra, ok));
	fprintf(f, "%11s %11s ", fmt_count(b1, s->before.allocs), fmt_count(b2, s->after.allocs));
	if (cpu_col) {
		double cb = an_cpu_share(&bi->cpu, s->before.alloc_cpu_samples);
		double ca = an_cpu_share(&ai->cpu, s->after.alloc_cpu_samples);

		fprintf(f, "%7s %7s %9s ", fmt_pct(b1, cb), fmt_pct(b2, ca),
			fmt_num(b3, 100.0 * (ca - cb), 1, 1));
	}
	fprintf(f, " %-6s  ", status[s->status]);
	fput_clean(s->function, f);
	for (w = clean_width(s->function); w < fw; w++)
		fputc(' ', f);
	fputs("  ", f);
	print_location(f, s);
	fputc('\n', f);
}

static void print_sites(FILE *f, const struct diff *d, size_t top)
{
	size_t n = top && top < d->nsites ? top : d->nsites, i, w, fw = strlen("function");
	int cpu_col = diff_has_cpu(&d->before->info) && diff_has_cpu(&d->after->info), ok;

	if (d->nsites == 0) {
		fputs("\nNo call site in either profile.\n", f);
		return;
	}
	for (i = 0; i < n; i++) {
		w = clean_width(d->sites[i].function);
		if (w > fw)
			fw = w < FUNC_COL_MAX ? w : FUNC_COL_MAX;
	}
	diff_seconds(&d->before->info, &ok);
	if (ok)
		diff_seconds(&d->after->info, &ok);
	fprintf(f, "\nTop %zu of %zu call sites by drop in allocations%s:\n", n, d->nsites,
		ok ? " per second" : "");
	fputs("     ", f);
	group(f, "allocations per second", 11 * 3 + 8 + 3);
	fputc(' ', f);
	group(f, "allocations", 11 * 2 + 1);
	if (cpu_col) {
		fputc(' ', f);
		group(f, "alloc CPU share", 7 * 2 + 9 + 2);
	}
	fputc('\n', f);
	fprintf(f, "%4s %11s %11s %11s %8s %11s %11s ", "rank", "before", "after", "change",
		"relative", "before", "after");
	if (cpu_col)
		fprintf(f, "%7s %7s %9s ", "before", "after", "pts");
	fprintf(f, " %-6s  %-*s  %s\n", "status", (int)fw, "function", "location");
	for (i = 0; i < n; i++)
		print_site(f, d, &d->sites[i], i + 1, fw, cpu_col);
}

void diff_text(FILE *f, const struct diff *d, size_t top)
{
	fputs("arenaprof diff: ", f);
	fput_clean(d->before->path, f);
	fputs(" -> ", f);
	fput_clean(d->after->path, f);
	fputs("\n\n", f);
	print_recording(f, "before:", d->before);
	print_recording(f, "after:", d->after);
	print_warnings(f, d);
	print_totals(f, d);
	diff_predict_text(f, d);
	print_sites(f, d, top);
}
