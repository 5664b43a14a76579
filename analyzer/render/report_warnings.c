/* report_warnings.c: the warnings of a report, one sentence each, for the text report (after
 * "WARNING: ") and the HTML report: lost allocation records, a database that was not closed,
 * probe handling dominating the CPU samples, lost CPU samples. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include "format.h"

static void recording_warnings(const struct an_info *info, an_warn_fn emit, void *arg)
{
	char b[FMT_BUF], text[256];

	if (info->lost_events > 0) {
		double pct = info->allocs > 0 ?
				     100.0 * (double)info->lost_events / (double)info->allocs :
				     100.0;

		snprintf(text, sizeof(text),
			 "%s allocation records were lost (ring buffer full): the call sites below "
			 "miss %.1f%% of the allocations",
			 fmt_count(b, info->lost_events), pct);
		emit(text, arg);
	}
	if (!info->closed)
		emit("the database was not closed (agent killed, or still recording): it holds the "
		     "batches up to the last completed one",
		     arg);
}

static void cpu_warnings(const struct an_cpu *cpu, an_warn_fn emit, void *arg)
{
	char b[FMT_BUF], text[256];

	if (cpu->samples <= 0 && cpu->recorded <= 0)
		return; /* no CPU block */
	if (cpu->recorded > 0 && 2 * cpu->overhead > cpu->recorded)
		emit("most samples are probe handling: the shares above come from the rest and "
		     "overstate the allocator (docs/design.md); for the CPU share, record without "
		     "--exact (probes in windows, CPU sampled between them) or with --cpu-only",
		     arg);
	if (cpu->lost > 0) {
		snprintf(text, sizeof(text),
			 "%s CPU sample records were lost (ring buffer full): the shares miss them",
			 fmt_count(b, cpu->lost));
		emit(text, arg);
	}
}

void an_warnings(const struct an_info *info, int groups, an_warn_fn emit, void *arg)
{
	if (groups & AN_WARN_RECORDING)
		recording_warnings(info, emit, arg);
	if (groups & AN_WARN_CPU)
		cpu_warnings(&info->cpu, emit, arg);
}
