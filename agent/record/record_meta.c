/* record_meta.c: what `arenaprof record` writes besides the stacks: the meta at the start and
 * at the end (calibration and cost included), the kernel and consumer counters, the finished
 * overhead-budget windows, the --verify scope probes, and the batch that writes them all. */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "alloc_event.h"
#include "allocator_probe.h"
#include "attach_path.h"
#include "bpf_session.h"
#include "calibrate.h"
#include "calibrate_inplace.h"
#include "lifetimes.h"
#include "profile_db.h"
#include "profile_writer.h"
#include "recorder.h"
#include "stack_store.h"
#include "unwind_cache.h"
#include "windows.h"

static void read_cmdline(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;
	size_t n = 0;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "re");
	if (f) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
}

static int write_counters(struct recorder *r)
{
#define COUNTER_NAME_(suffix, name) "allocs." name,
	static const char *const names[AP_KIND_ALLOC_COUNT] = { AP_ALLOC_KINDS(COUNTER_NAME_) };
#undef COUNTER_NAME_
	uint64_t c[AP_CNT_COUNT], allocs = 0, hits = 0, misses = 0;
	struct lifetimes_stats lts;

	if (bpf_session_counters(r->bpf, c))
		return -1;
	if (r->unw_cache)
		unwind_cache_stats(r->unw_cache, &hits, &misses);
	lifetimes_stats(r->lifetimes, &lts);
	for (int k = 0; k < AP_KIND_ALLOC_COUNT; k++) {
		allocs += c[AP_CNT_ALLOCS_FIRST + k];
		if (pw_counter(r->w, names[k], c[AP_CNT_ALLOCS_FIRST + k]))
			return -1;
	}
	return pw_counter(r->w, "allocs", allocs) || pw_counter(r->w, "bytes", c[AP_CNT_BYTES]) ||
	       pw_counter(r->w, "frees", c[AP_CNT_FREES]) ||
	       pw_counter(r->w, "lost_events", c[AP_CNT_LOST]) ||
	       pw_counter(r->w, "nested_calls", c[AP_CNT_NESTED]) ||
	       pw_counter(r->w, "nested_frees", c[AP_CNT_NESTED_FREES]) ||
	       pw_counter(r->w, "orphan_returns", c[AP_CNT_ORPHAN_RETURNS]) ||
	       pw_counter(r->w, "records", r->records) ||
	       pw_counter(r->w, "bad_records", r->bad_records) ||
	       pw_counter(r->w, "unwind_truncated", r->unwind_truncated) ||
	       pw_counter(r->w, "unwind_cache_hits", hits) ||
	       pw_counter(r->w, "unwind_cache_misses", misses) ||
	       pw_counter(r->w, "cpu_samples", c[AP_CNT_CPU_SAMPLES]) ||
	       pw_counter(r->w, "cpu_lost", c[AP_CNT_CPU_LOST]) ||
	       pw_counter(r->w, "objects_tracked", lts.tracked) ||
	       pw_counter(r->w, "objects_untracked", c[AP_CNT_UNTRACKED]) ||
	       pw_counter(r->w, "free_lost", c[AP_CNT_FREE_LOST]) ||
	       pw_counter(r->w, "tail_frees", c[AP_CNT_TAIL_FREES]) ||
	       pw_counter(r->w, "cpu_samples_in_windows", c[AP_CNT_CPU_IN_WINDOWS]) ||
	       pw_counter(r->w, "unarmed_hits", c[AP_CNT_UNARMED_HITS]) ||
	       pw_counter(r->w, "unarmed_frees", c[AP_CNT_UNARMED_FREES]);
}

/* The windows finished since the last batch (their records are all in the ring: their probes
 * are closed): read the ring, censor their followed objects still live (free is no longer
 * probed), and keep the rows for the next batch. */
int take_windows(struct recorder *r)
{
	struct window_row rows[64];
	int n;

	if (!r->win)
		return 0;
	while ((n = windows_take(r->win, rows, 64)) > 0) {
		ring_buffer__consume(r->ring);
		for (int i = 0; i < n; i++) {
			if (lifetimes_censor_before(
				    r->lifetimes, rows[i].start_ns + rows[i].armed_ns,
				    rows[i].start_ns + rows[i].armed_ns + rows[i].tail_ns))
				return -1;
			if (r->ndone < (int)(sizeof(r->done) / sizeof(r->done[0])))
				r->done[r->ndone++] = rows[i];
		}
	}
	return 0;
}

static int write_windows(struct recorder *r)
{
	for (int i = 0; i < r->ndone; i++) {
		const struct window_row *d = &r->done[i];
		struct pw_window_row row = {
			.id = d->id,
			.start_ns = d->start_ns - r->start_ns,
			.armed_ns = d->armed_ns,
			.tail_ns = d->tail_ns,
			.allocs = d->allocs,
			.frees = d->frees,
			.tail_frees = d->tail_frees,
			.bytes = d->bytes,
			.target_cpu_ns = d->target_cpu_ns,
			.lost_ns = d->lost_ns,
			.saturation = d->saturation,
			.exposure_ns = d->exposure_ns,
			.exposure_lo_ns = d->exposure_lo_ns,
			.exposure_hi_ns = d->exposure_hi_ns,
		};

		if (pw_window(r->w, &row))
			return -1;
	}
	r->ndone = 0;
	return 0;
}

static int write_scope_probes(struct recorder *r)
{
	for (int i = 0; i < r->opt.nverify; i++) {
		uint64_t n, ns;

		if (bpf_session_scope_stats(r->bpf, i, &n, &ns) ||
		    pw_scope_probe(r->w, r->opt.verify[i], r->scopes[i].target_path, NULL, n, ns))
			return -1;
	}
	for (int i = 0; i < r->opt.nloops; i++) { /* scope indices after the --verify ones */
		uint64_t n, ns;

		if (bpf_session_scope_stats(r->bpf, r->opt.nverify + i, &n, &ns) ||
		    pw_scope_probe(r->w, r->opt.loop_fn[i], r->loop_fns[i].target_path,
				   r->opt.loop_call[i], n, ns))
			return -1;
	}
	return 0;
}

/* One batch: everything new since the last one, in one transaction. */
int flush_batch(struct recorder *r)
{
	if (pw_begin(r->w))
		return -1;
	if (take_windows(r) || write_windows(r) || stack_store_flush(r->store, r->w) ||
	    lifetimes_flush(r->lifetimes, r->w) || write_counters(r) || write_scope_probes(r)) {
		sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return pw_commit(r->w);
}

int write_start_meta(struct recorder *r, const struct alloc_probe_plan *plan)
{
	char buf[8192], cmd[4096];
	struct utsname u;
	size_t off = 0;
	int rc = 0;

	read_cmdline(r->pid, cmd, sizeof(cmd));
	rc |= ap_db_set_meta(r->db, AP_META_ARENAPROF_VERSION, ARENAPROF_VERSION);
	rc |= ap_db_set_meta_int(r->db, AP_META_PID, r->pid);
	rc |= ap_db_set_meta(r->db, AP_META_COMMAND, cmd);
	rc |= ap_db_set_meta(r->db, AP_META_MODE,
			     r->opt.cpu_only ? "cpu-only" :
			     r->opt.exact    ? "exact" :
					       "windowed");
	if (r->win) {
		snprintf(buf, sizeof(buf), "%g", r->opt.overhead);
		rc |= ap_db_set_meta(r->db, AP_META_OVERHEAD_BUDGET, buf);
		rc |= ap_db_set_meta_real(r->db, AP_META_PROBE_COST_ALLOC_NS, 1, r->cost.alloc_ns);
		rc |= ap_db_set_meta_real(r->db, AP_META_PROBE_COST_FREE_NS, 1, r->cost.free_ns);
		rc |= ap_db_set_meta_real(r->db, AP_META_PROBE_COST_UNARMED_NS, 1,
					  r->cost.unarmed_ns);
		rc |= ap_db_set_meta_real(r->db, AP_META_PROBE_COST_SPREAD, 3, r->cost.spread);
		rc |= ap_db_set_meta(r->db, AP_META_PROBE_COST_SOURCE,
				     r->cost.measured ? "measured" : "assumed");
	}
	rc |= ap_db_set_meta(r->db, AP_META_ATTACH, ap_attach_name(ap_attach_selected()));
	rc |= ap_db_set_meta(r->db, AP_META_UNWIND,
			     r->opt.stack_mode == AP_STACK_FP ? "fp" : "dwarf");
	rc |= ap_db_set_meta_int(r->db, AP_META_CPU_FREQ, r->opt.cpu_freq);
	/* objects are followed among the recorded calls: one in track_every x sample_every */
	rc |= ap_db_set_meta_int(
		r->db, AP_META_TRACK_EVERY,
		r->opt.cpu_only ? 0 : (long long)r->opt.track_every * r->opt.sample_every);
	rc |= ap_db_set_meta_int(r->db, AP_META_SAMPLE_EVERY, r->opt.sample_every);
	if (!r->opt.exact && !r->opt.cpu_only && r->opt.track_every > 0)
		rc |= ap_db_set_meta(r->db, AP_META_LIFETIME_WINDOWS,
				     "odd"); /* agent/probes/windows.c */
	rc |= ap_db_set_meta_int(r->db, AP_META_STACK_SNAPSHOT_BYTES,
				 r->opt.stack_mode == AP_STACK_FP ? 0 : r->opt.snapshot_bytes);
	buf[0] = '\0';
	for (int f = 0; f < AF_COUNT; f++) {
		const struct alloc_probe *p = &plan->f[f];

		if (p->found && off < sizeof(buf))
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s@%s",
						off ? ";" : "", alloc_func_name((enum alloc_func)f),
						p->target_path);
	}
	rc |= ap_db_set_meta(r->db, AP_META_PROBES, buf);
	rc |= ap_db_set_meta(r->db, AP_META_ALLOCATOR_MODULES, plan->f[AF_MALLOC].target_path);
	rc |= ap_db_set_meta_int(r->db, AP_META_START_TIME_NS, (long long)r->start_wall_ns);
	rc |= ap_db_set_meta(r->db, AP_META_CLOSED, "0");
	if (gethostname(buf, sizeof(buf)) == 0)
		rc |= ap_db_set_meta(r->db, AP_META_HOSTNAME, buf);
	if (uname(&u) == 0)
		rc |= ap_db_set_meta(r->db, AP_META_KERNEL, u.release);
	return rc ? -1 : 0;
}

/* The arena against malloc/free in place (meta calib_inplace_*): omitted when the measurement
 * is not plausible (the report then falls back to the tight loop's fraction). */
static int write_inplace_calibration(const uint64_t *sizes, const uint64_t *counts, int n,
				     struct recorder *r)
{
	struct inplace_calibration cal;
	int rc = 0;

	if (calibrate_in_place(sizes, counts, n, &cal))
		return 0;
	rc |= ap_db_set_meta_real(r->db, AP_META_CALIB_INPLACE_MALLOC_FREE_NS, 2,
				  cal.malloc_free_ns);
	rc |= ap_db_set_meta_real(r->db, AP_META_CALIB_INPLACE_ARENA_NS, 2, cal.arena_ns);
	rc |= ap_db_set_meta_real(r->db, AP_META_CALIB_INPLACE_SPREAD, 3, cal.spread);
	return rc;
}

/* Measures malloc/free against the arena for the recorded size mix (meta calib_*). */
static int write_calibration(struct recorder *r)
{
	uint64_t sizes[64], counts[64];
	struct calibration cal;
	int n = stack_store_size_mix(r->store, sizes, counts, 64), rc = 0;

	/* no window saw a call: the CPU samples' count estimate still needs a cost per call */
	if (n == 0 && r->win)
		n = calibrate_default_mix(sizes, counts, 64);
	if (n == 0 || calibrate(sizes, counts, n, &cal))
		return 0; /* nothing allocated: nothing to calibrate */
	rc |= ap_db_set_meta_real(r->db, AP_META_CALIB_MALLOC_FREE_NS, 2, cal.malloc_free_ns);
	rc |= ap_db_set_meta_real(r->db, AP_META_CALIB_ARENA_NS, 2, cal.arena_ns);
	rc |= ap_db_set_meta_real(r->db, AP_META_CALIB_CALL_NS, 2, cal.call_ns);
	return rc | write_inplace_calibration(sizes, counts, n, r);
}

/* What the recording cost: the agent's own CPU time, and in overhead-budget mode the probes'
 * measured cost to the target against the target's CPU time. */
static int write_cost_meta(struct recorder *r)
{
	struct rusage ru;
	int rc = 0;

	if (getrusage(RUSAGE_SELF, &ru) == 0)
		rc |= ap_db_set_meta_int(
			r->db, AP_META_AGENT_CPU_NS,
			(long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
				(long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL);
	if (r->win) {
		uint64_t lost, sampler, cpu;
		uint32_t count;

		windows_totals(r->win, &lost, &sampler, &cpu, &count);
		rc |= ap_db_set_meta_int(r->db, AP_META_WINDOWS, count);
		rc |= ap_db_set_meta_int(r->db, AP_META_PROBE_COST_NS, (long long)lost);
		rc |= ap_db_set_meta_int(r->db, AP_META_SAMPLER_COST_NS, (long long)sampler);
		rc |= ap_db_set_meta_int(r->db, AP_META_TARGET_CPU_NS, (long long)cpu);
	}
	return rc;
}

int write_end_meta(struct recorder *r)
{
	uint64_t end_wall = r->end_wall_ns;
	int rc = 0;

	rc |= pw_begin(r->w);
	rc |= ap_db_set_meta_int(r->db, AP_META_END_TIME_NS, (long long)end_wall);
	rc |= ap_db_set_meta_int(r->db, AP_META_DURATION_NS,
				 (long long)(end_wall - r->start_wall_ns));
	rc |= ap_db_set_meta(r->db, AP_META_END_REASON, r->end_reason);
	rc |= write_cost_meta(r);
	if (r->target_exit[0])
		rc |= ap_db_set_meta(r->db, AP_META_TARGET_EXIT, r->target_exit);
	rc |= write_calibration(r);
	peak_rss_update(&r->peak_rss, r->pid);
	if (r->peak_rss.kib > 0)
		rc |= ap_db_set_meta_int(r->db, AP_META_PEAK_RSS_KIB, r->peak_rss.kib);
	rc |= ap_db_set_meta(r->db, AP_META_CLOSED, "1");
	rc |= pw_commit(r->w);
	return rc ? -1 : 0;
}
