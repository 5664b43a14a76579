/* report_data.h: what `report` shows, read from a profile: the recording (meta), the totals
 * (counters) and the call sites. Shared by the text and the JSON report. */
#ifndef ARENAPROF_REPORT_DATA_H
#define ARENAPROF_REPORT_DATA_H

#include <stddef.h>
#include <sqlite3.h>

/* The module string of a frame outside any file mapping, and the function of an allocation
 * whose stack has no frame at all (unwinding found nothing). */
#define AN_UNKNOWN "[unknown]"

/* CPU samples (cpu_stats) and what they were spent on (cpu_share.h). Shares are of the
 * non-overhead samples, recorded - overhead (an_cpu_share). */
struct an_cpu {
	long long freq; /* meta cpu_freq, Hz per thread */
	int has_freq;
	long long samples; /* counter cpu_samples, else SUM(cpu_stats.samples) */
	long long lost; /* counter cpu_lost (0 when absent) */
	int has_samples_counter;
	long long recorded; /* SUM(cpu_stats.samples) */
	long long overhead; /* recorded samples of the profiler's own uprobe/BPF work */
	long long allocator; /* non-overhead samples of allocator work */
	long long split[4]; /* malloc, free, realloc, kernel_mm (sum: allocator) */
	long long gc; /* Go: non-overhead samples of garbage collection (not in allocator) */
	int go; /* meta runtime = go: a Go program (allocator = mallocgc and its callees) */
};

/* A quantity extrapolated from the overhead-budget windows to the whole recording, with a 95%
 * confidence interval (estimates.c). present = 0 in --exact and --cpu-only profiles. */
struct an_estimate {
	int present;
	double value, lo, hi, per_s;
	double lo99, hi99; /* the 99% interval */
	/* 0 when the probes slowed the target more than 2x inside the windows (armed time over
	 * exposure): the conversion to undisturbed time is then a small difference of large
	 * numbers, and value and interval are lower bounds only */
	int reliable;
	/* the 95% interval spans more than AN_MAX_SPAN times: no interval is stated (estimates.c) */
	int unknown;
	/* The second estimator: the calls the windows saw plus the allocation-call CPU samples
	 * taken between them over the cost of one call (model/cpu_estimate.h). has_cpu = 0
	 * without such samples or a calibration. */
	int has_cpu;
	double cpu_value;
	/* the second estimator's 95% interval; where its cost of one call came from (AN_CAL_*), that
	 * cost (allocator CPU ns a call) and the allocation-call samples it divided (cpu_estimate.h) */
	double cpu_lo, cpu_hi;
	int cpu_calibration;
	double cpu_call_ns, cpu_samples;
	/* the CPU samples stand for more calls than the windows' 99% interval allows, even at the
	 * dearest plausible cost of a call (cpu_estimate.h): the windows missed the activity (a
	 * burst between them), and the estimate is unknown whatever its span */
	int contradicted;
};
#define AN_CAL_IN_PLACE 1 /* calls per sample from the sites the windows counted reliably */
#define AN_CAL_TIGHT_LOOP 2 /* the agent's tight loop (meta calib_*): an upper bound only */
#define AN_MAX_SPAN 10.0

/* The overhead-budget windows of a profile (mode "windowed"). */
struct an_windows {
	int present;
	long long count;
	double budget; /* meta overhead_budget, fraction */
	double armed_s, tail_s, exposure_s; /* sums over the windows */
	double window_slowdown; /* armed_s / exposure_s: how much the probes slowed the target */
	double probe_cost_s, target_cpu_s; /* meta probe_cost_ns, target_cpu_ns */
	double sampler_cost_s; /* meta sampler_cost_ns (estimated; 0 in older profiles) */
	double alloc_hit_ns, free_hit_ns; /* meta probe_cost_alloc_ns/_free_ns */
	struct an_estimate allocs, bytes;
};

struct an_wrapper;

struct an_info {
	/* meta: strings are NULL when the key is absent */
	char *command;
	long long pid;
	int has_pid;
	double duration_s;
	int has_duration;
	char *end_reason;
	char *target_exit;
	int closed; /* meta closed = 1 */
	char *mode;
	char *unwind;
	char *attach; /* meta "attach": multi or perf, NULL in older profiles */
	char *runtime; /* meta runtime: "go" for Go programs, NULL otherwise */
	char *go_version; /* meta go_version */
	/* counters (0 when absent) */
	long long allocs, bytes, frees, lost_events;
	/* SUM(alloc_stats.allocs), SUM(alloc_stats.bytes) */
	long long recorded_allocs, recorded_bytes;
	struct an_cpu cpu;
	struct an_windows win;
	double agent_cpu_s; /* meta agent_cpu_ns: the agent's own user+system CPU time */
	int has_agent_cpu;
	long long sample_every; /* meta sample_every: one allocation call in N recorded (1 = all) */
	/* the allocation wrappers folded into their callers (site_fold.h; points into the fold,
	 * which outlives info), and whether sites are raw (--no-wrappers) */
	const struct an_wrapper *wrappers;
	size_t nwrappers;
	int raw_sites;
};

struct an_kind {
	char *kind;
	long long allocs;
};

/* A call site: the frame at the stack's site position (site_fold.h; pos 0 with --no-wrappers),
 * grouped by (function, file, line, module). */
struct an_site {
	char *function;
	char *file; /* NULL without debug info */
	long long line;
	int has_line;
	char *module; /* modules.path, AN_UNKNOWN without a module */
	long long allocs, bytes, size_min, size_max;
	long long stacks; /* distinct stacks reaching this site */
	struct an_kind *kinds; /* allocs per allocator function, by name */
	size_t nkinds;
	char **wrappers; /* the functions folded into this site (site_fold.h), innermost first */
	size_t nwrappers;
	long long alloc_cpu_samples; /* allocator CPU samples this site caused (cpu_share.h) */
	long long
		alloc_call_samples; /* of those, the ones in allocation calls (cpu_is_alloc_call) */
	struct an_estimate est_allocs; /* windowed profiles: all of the recording, estimated */
};

struct an_sites {
	struct an_site *v;
	size_t n;
};

/* Each: 0, or -1 after an error message naming path. */
int an_info_load(sqlite3 *db, const char *path, struct an_info *info);
void an_info_free(struct an_info *info);

struct site_fold;
/* All sites, sorted by allocs desc, bytes desc, function, then file, line, module; fold was
 * loaded on db (site_fold_load). */
int an_sites_load(sqlite3 *db, const char *path, const struct site_fold *fold,
		  struct an_sites *sites);
void an_sites_sort(struct an_sites *sites);
void an_sites_free(struct an_sites *sites);

/* Classifies the CPU samples into info->cpu and adds each site's allocator samples to sites
 * (sites without allocations are added with allocs 0), sorted again (cpu_sites.c). A sample's
 * site is past the allocator and the fold's wrappers, as for allocations. */
int an_cpu_load(sqlite3 *db, const char *path, const struct site_fold *fold, struct an_info *info,
		struct an_sites *sites);

/* Windowed profiles: the windows (info->win) and the estimated totals of the recording and of
 * every site (estimates.c). Does nothing for other profiles. 0, or -1 after an error message. */
int an_estimates_load(sqlite3 *db, const char *path, struct an_info *info, struct an_sites *sites);

/* Windowed profiles, for comparing with other profiles (diff): replaces the counts the windows
 * saw (totals and sites: allocs, bytes, frees) by the whole recording's estimates. 0, or -1
 * after an error message when a value does not fit. */
int an_use_estimates(const char *path, struct an_info *info, struct an_sites *sites);

/* samples / (recorded - overhead), 0..1; 0 when there is no non-overhead sample. */
double an_cpu_share(const struct an_cpu *cpu, long long samples);

#endif
