/* record.c: `arenaprof record`: attach the allocator probes to a process (or start one under
 * them), consume the ring buffer (unwind, symbolize, aggregate), and write the profile in
 * batches until -d expires, Ctrl-C/SIGTERM, or the target exits. The database is left complete:
 * probes are detached first, the ring drained, the exact kernel counters stored, then closed. */
#define _GNU_SOURCE
#include "record.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc_event.h"
#include "allocator_probe.h"
#include "bpf_session.h"
#include "attach_path.h"
#include "calibrate.h"
#include "go_session.h"
#include "kallsyms.h"
#include "launch.h"
#include "lifetimes.h"
#include "profile_db.h"
#include "progress.h"
#include "profile_writer.h"
#include "record_options.h"
#include "stack_store.h"
#include "symbolize.h"
#include "target_space.h"
#include "unwind_cache.h"
#include "unwind_dwarf.h"
#include "probe_cost.h"
#include "windows.h"

#define MAX_FRAMES 256
#define RI_BYTES (AP_RI_MAX * sizeof(struct ap_return_instance))
#define FLUSH_INTERVAL_NS 1000000000ULL

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

struct recorder {
	struct record_options opt;
	pid_t pid;
	int pidfd;
	struct bpf_session *bpf;
	struct go_session *go; /* a Go target: the mallocgc probe */
	int is_go;
	struct ring_buffer *ring;
	struct target_space *ts;
	struct unwinder *unw;
	struct unwind_cache *unw_cache;
	struct symbolizer *sym;
	struct stack_store *store;
	struct kallsyms *ksyms;
	struct lifetimes *lifetimes;
	struct alloc_probe scopes[16]; /* record --verify */
	struct windows *win; /* overhead-budget mode, else NULL */
	struct probe_costs cost;
	struct window_row done[256]; /* finished windows not written yet */
	int ndone;
	sqlite3 *db;
	struct profile_writer *w;
	uint64_t records, bad_records, unwind_truncated;
	uint64_t start_ns, start_wall_ns, end_wall_ns;
	const char *end_reason;
	char target_exit[32];
	int write_failed; /* a batch could not be written: the recording stopped there */
	atomic_int detached;
	int tty, progress_shown;
	uint64_t next_progress, last_progress_ns, last_progress_allocs;
};

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int fail(const char *fmt, const char *a)
{
	fprintf(stderr, "arenaprof: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	return 1;
}

/* Root, or the capabilities BPF uprobes and reading another process's memory maps need. */
static int have_privileges(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (geteuid() == 0)
		return 1;
	if (syscall(SYS_capget, &hdr, data))
		return 0;
#define HAS_CAP(c) (data[(c) / 32].effective & (1u << ((c) % 32)))
	return HAS_CAP(CAP_SYS_ADMIN) || (HAS_CAP(38 /* CAP_PERFMON */) &&
					  HAS_CAP(39 /* CAP_BPF */) && HAS_CAP(CAP_SYS_PTRACE));
#undef HAS_CAP
}

/* Defined below, after its one caller. */
static const uint8_t *restore_returns(const struct ap_return_instance *ri, int n, uint64_t sp,
				      const uint8_t *data, uint32_t len, uint8_t *copy);

/* The user chain of a record: frame-pointer addresses as taken by the kernel, or the snapshot
 * (data, len) unwound after putting back the return addresses of pending uretprobes. ips[0] is
 * the record's ip. Returns the count (>= 1); sets *truncated. */
static int user_chain(struct recorder *r, const struct ap_event *ev, const uint8_t *data,
		      uint32_t len, uint64_t *ips, uint64_t *sps, int *truncated)
{
	static uint8_t copy[AP_SNAPSHOT_MAX + 512];
	const struct ap_event_header *e = &ev->h;
	const struct ap_return_instance *ri = (const void *)(ev + 1);
	int n;

	*truncated = 0;
	if (e->stack_kind == AP_STACK_FP) {
		if (sps) /* no frame addresses from a frame-pointer walk */
			memset(sps, 0, MAX_FRAMES * sizeof(*sps));
		n = (int)(len / sizeof(uint64_t));
		if (n > MAX_FRAMES)
			n = MAX_FRAMES;
		memcpy(ips, data, (size_t)n * sizeof(uint64_t));
		while (n > 0 && ips[n - 1] == 0)
			n--;
		if (n == 0) {
			ips[0] = e->ip;
			n = 1;
		}
		return n;
	}
	if (len > sizeof(copy))
		len = sizeof(copy);
	data = restore_returns(ri, (int)e->return_instances, e->sp, data, len, copy);
	struct stack_snapshot s = {
		.ip = e->ip, .sp = e->sp, .bp = e->bp, .data = data, .len = len
	};

	return unwind_cached(r->unw_cache, &s, ips, sps, MAX_FRAMES, truncated);
}

/* Puts back the return addresses the kernel replaced with its uretprobe trampoline (pending
 * allocator returns of the sampled thread), in a copy of the snapshot. */
static const uint8_t *restore_returns(const struct ap_return_instance *ri, int n, uint64_t sp,
				      const uint8_t *data, uint32_t len, uint8_t *copy)
{
	const uint8_t *out = data;

	for (int i = 0; i < n; i++) {
		uint64_t off = ri[i].stack - sp;

		if (ri[i].stack < sp || off + 8 > len)
			continue;
		if (out == data) {
			memcpy(copy, data, len);
			out = copy;
		}
		memcpy(copy + off, &ri[i].orig, 8);
	}
	return out;
}

static int on_cpu_sample(struct recorder *r, const struct ap_event *ev, size_t len)
{
	const uint32_t prefix = RI_BYTES + AP_KSTACK_MAX_FRAMES * 8;
	const struct ap_event_header *e = &ev->h;
	const uint8_t *data = (const uint8_t *)(ev + 1);
	uint64_t kips[AP_KSTACK_MAX_FRAMES], ips[MAX_FRAMES];
	int nk, nu, truncated;

	if (e->data_len < prefix || e->data_len > len - sizeof(*ev) ||
	    ev->cpu.kstack_bytes > AP_KSTACK_MAX_FRAMES * 8 || e->return_instances > AP_RI_MAX) {
		r->bad_records++;
		return 0;
	}
	r->records++;
	nk = (int)(ev->cpu.kstack_bytes / 8);
	memcpy(kips, data + RI_BYTES, (size_t)nk * 8);
	nu = user_chain(r, ev, data + prefix, e->data_len - prefix, ips, NULL, &truncated);
	r->unwind_truncated += (uint64_t)truncated;
	return stack_store_add_cpu(r->store, kips, nk, ips, nu, truncated, e->tid) ? -ENOMEM : 0;
}

/* Each chain element's CFA: the sp of the frame outward of it (0 where unknown). */
static void chain_cfas(const uint64_t *sps, int n, uint64_t *cfa)
{
	for (int i = 0; i < n; i++)
		cfa[i] = i + 1 < n ? sps[i + 1] : 0;
}

/* A free of a followed object: its stack from the entry of free (or operator delete), that
 * function itself left out. */
static int on_free(struct recorder *r, const struct ap_event *ev, const uint8_t *payload)
{
	const struct ap_event_header *e = &ev->h;
	uint64_t ips[MAX_FRAMES], sps[MAX_FRAMES], cfa[MAX_FRAMES];
	static struct chain_info ci;
	int n, truncated;

	n = user_chain(r, ev, payload + RI_BYTES, e->data_len - RI_BYTES, ips, sps, &truncated);
	chain_cfas(sps + 1, n - 1, cfa); /* n >= 1: an empty chain when free has no caller */
	if (stack_store_intern(r->store, ips + 1, n - 1, truncated, &ci))
		return -ENOMEM;
	return lifetimes_end(r->lifetimes, ev->free.ptr, &ci, cfa, e->tid, e->ts_ns,
			     ap_kind_name(e->kind), e->scope_inv);
}

static int on_alloc(struct recorder *r, const struct ap_event *ev, const uint8_t *payload)
{
	const struct ap_event_header *e = &ev->h;
	const struct ap_alloc_tail *a = &ev->alloc;
	uint64_t ips[MAX_FRAMES], sps[MAX_FRAMES], cfa[MAX_FRAMES];
	int lifetime = a->old_ptr || (e->flags & AP_FLAG_TRACKED), n, truncated;
	static struct chain_info ci;

	n = user_chain(r, ev, payload + RI_BYTES, e->data_len - RI_BYTES, ips, sps, &truncated);
	r->unwind_truncated += (uint64_t)truncated;
	if (e->kind == AP_KIND_MALLOCGC && r->go)
		n = go_session_trim(r->go, ips, n);
	/* the chain's details only for the objects whose lifetime is followed; a call recorded
	 * only because it ended a followed object (not one of the --sample-every calls) counts
	 * nothing, each sampled one counts for sample_every calls */
	if ((e->flags & AP_FLAG_UNSAMPLED) ?
		    stack_store_intern(r->store, ips, n, truncated, &ci) :
		    stack_store_add(r->store, ips, n, truncated, e->kind, a->size, e->tid,
				    e->window, r->opt.sample_every, lifetime ? &ci : NULL))
		return -ENOMEM;
	if (!lifetime)
		return 0;
	chain_cfas(sps, n, cfa);
	if (a->old_ptr && /* realloc ended a followed object */
	    lifetimes_end(r->lifetimes, a->old_ptr, &ci, cfa, e->tid, e->ts_ns,
			  ap_kind_name(AP_KIND_REALLOC), e->scope_inv))
		return -ENOMEM;
	if ((e->flags & AP_FLAG_TRACKED) &&
	    lifetimes_alloc(r->lifetimes, a->ptr, &ci, cfa, ap_kind_name(e->kind), a->size, e->tid,
			    e->ts_ns, e->scope_inv))
		return -ENOMEM;
	return 0;
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct recorder *r = ctx;
	const struct ap_event *ev = data;
	const struct ap_event_header *e = &ev->h;
	const uint8_t *payload = (const uint8_t *)(ev + 1);

	if (len >= sizeof(*ev) && e->kind == AP_KIND_EXEC) {
		/* every record of the old image is read: the new image's maps apply from here */
		bpf_session_clear_exec(r->bpf);
		target_space_refresh(r->ts);
		return 0;
	}
	if (len >= sizeof(*ev) && e->kind == AP_KIND_MAPS_CHANGED) {
		if (!bpf_session_exec_pending(r->bpf))
			target_space_refresh(r->ts);
		return 0;
	}
	if (len >= sizeof(*ev) && e->kind == AP_KIND_CPU_SAMPLE)
		return on_cpu_sample(r, ev, len);
	if (len < sizeof(*ev) || e->data_len > len - sizeof(*ev) || e->data_len < RI_BYTES ||
	    e->return_instances > AP_RI_MAX || e->kind >= AP_KIND_FREE_END) {
		r->bad_records++;
		return 0;
	}
	r->records++;
	return e->kind >= AP_KIND_FREE ? on_free(r, ev, payload) : on_alloc(r, ev, payload);
}

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
static int take_windows(struct recorder *r)
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
		    pw_scope_probe(r->w, r->opt.verify[i], r->scopes[i].target_path, n, ns))
			return -1;
	}
	return 0;
}

/* One batch: everything new since the last one, in one transaction. */
static int flush_batch(struct recorder *r)
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

static int write_start_meta(struct recorder *r, const struct alloc_probe_plan *plan)
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
		snprintf(buf, sizeof(buf), "%.1f", r->cost.alloc_ns);
		rc |= ap_db_set_meta(r->db, AP_META_PROBE_COST_ALLOC_NS, buf);
		snprintf(buf, sizeof(buf), "%.1f", r->cost.free_ns);
		rc |= ap_db_set_meta(r->db, AP_META_PROBE_COST_FREE_NS, buf);
		snprintf(buf, sizeof(buf), "%.3f", r->cost.spread);
		rc |= ap_db_set_meta(r->db, AP_META_PROBE_COST_SPREAD, buf);
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

/* Measures malloc/free against the arena for the recorded size mix (meta calib_*). */
static int write_calibration(struct recorder *r)
{
	uint64_t sizes[64], counts[64];
	struct calibration cal;
	char buf[32];
	int n = stack_store_size_mix(r->store, sizes, counts, 64), rc = 0;

	if (n == 0 || calibrate(sizes, counts, n, &cal))
		return 0; /* nothing allocated: nothing to calibrate */
	snprintf(buf, sizeof(buf), "%.2f", cal.malloc_free_ns);
	rc |= ap_db_set_meta(r->db, AP_META_CALIB_MALLOC_FREE_NS, buf);
	snprintf(buf, sizeof(buf), "%.2f", cal.arena_ns);
	rc |= ap_db_set_meta(r->db, AP_META_CALIB_ARENA_NS, buf);
	snprintf(buf, sizeof(buf), "%.2f", cal.call_ns);
	rc |= ap_db_set_meta(r->db, AP_META_CALIB_CALL_NS, buf);
	return rc;
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

static int write_end_meta(struct recorder *r)
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
	rc |= ap_db_set_meta(r->db, AP_META_CLOSED, "1");
	rc |= pw_commit(r->w);
	return rc ? -1 : 0;
}

static int target_exited(struct recorder *r)
{
	struct pollfd p = { .fd = r->pidfd, .events = POLLIN };
	int status;

	if (r->pidfd >= 0) {
		if (poll(&p, 1, 0) <= 0)
			return 0;
	} else if (kill(r->pid, 0) == 0 || errno != ESRCH) {
		return 0;
	}
	if (r->opt.command && waitpid(r->pid, &status, WNOHANG) == r->pid) {
		if (WIFEXITED(status))
			snprintf(r->target_exit, sizeof(r->target_exit), "exit %d",
				 WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			snprintf(r->target_exit, sizeof(r->target_exit), "signal %d",
				 WTERMSIG(status));
	}
	return 1;
}

/* The live progress line: every second on a terminal, every 10 s otherwise, never with -q. */
static void show_progress(struct recorder *r, uint64_t now)
{
	struct progress_state p = { .elapsed_s = (double)(now - r->start_ns) / 1e9 };
	uint64_t c[AP_CNT_COUNT], allocs, period = r->tty ? 1000000000ULL : 10000000000ULL;
	struct stack_store_stats ss;

	if (r->opt.quiet || now < r->next_progress || bpf_session_counters(r->bpf, c))
		return;
	allocs = bpf_session_allocs(c);
	stack_store_stats(r->store, &ss);
	p.allocs = allocs;
	if (r->last_progress_ns) /* the rate since the last line, else since the start */
		p.allocs_per_s = (uint64_t)((double)(allocs - r->last_progress_allocs) * 1e9 /
					    (double)(now - r->last_progress_ns));
	else if (p.elapsed_s > 0)
		p.allocs_per_s = (uint64_t)((double)allocs / p.elapsed_s);
	p.lost = c[AP_CNT_LOST];
	p.cpu_samples = c[AP_CNT_CPU_SAMPLES];
	p.stacks = ss.stacks;
	p.ntop = stack_store_top_sites(r->store, p.top, p.top_allocs, 3);
	if (r->win) {
		uint64_t lost, sampler, cpu;
		uint32_t count;

		windows_totals(r->win, &lost, &sampler, &cpu, &count);
		lost += sampler;
		p.windowed = 1;
		p.overhead = cpu > lost ? (double)lost / (double)(cpu - lost) : 0;
	}
	progress_print(stderr, r->tty, &p);
	r->progress_shown = 1;
	r->last_progress_ns = now;
	r->last_progress_allocs = allocs;
	r->next_progress = now + period;
}

/* A batch or the final meta could not be written (disk full, I/O error): one line, the failed
 * transaction rolled back. What was committed before stays a readable profile, without the
 * closing meta (the analyzer shows it as not closed). */
static void write_failure(struct recorder *r)
{
	int code = sqlite3_errcode(r->db) & 0xff;

	r->write_failed = 1;
	r->end_reason = "error";
	if (code == SQLITE_FULL)
		fprintf(stderr,
			"arenaprof: disk full writing %s: recording stopped; the profile keeps the "
			"batches written before and is not closed\n",
			r->opt.output);
	else
		fprintf(stderr,
			"arenaprof: writing %s failed (%s): recording stopped; the profile keeps the "
			"batches written before and is not closed\n",
			r->opt.output, pw_errmsg(r->w));
	sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}

static void record_loop(struct recorder *r)
{
	uint64_t deadline = r->opt.duration_s > 0 ?
				    r->start_ns + (uint64_t)(r->opt.duration_s * 1e9) :
				    UINT64_MAX;
	uint64_t next_flush = r->start_ns + FLUSH_INTERVAL_NS;

	for (;;) {
		int rc = ring_buffer__poll(r->ring, 20);
		uint64_t now;

		if (rc >= 0)
			rc = ring_buffer__consume(r->ring);
		if (rc < 0 && rc != -EINTR) {
			r->end_reason = "error";
			fprintf(stderr, "arenaprof: reading events failed: %s\n", strerror(-rc));
			return;
		}
		now = now_ns(CLOCK_MONOTONIC);
		if (stop_signal) {
			r->end_reason = "signal";
			return;
		}
		if (now >= deadline) {
			r->end_reason = "duration";
			return;
		}
		if (target_exited(r)) {
			r->end_reason = "target-exit";
			return;
		}
		if (r->win && windows_error(r->win)) {
			r->end_reason = "error";
			fprintf(stderr, "arenaprof: %s\n", windows_error(r->win));
			return;
		}
		if (take_windows(r)) {
			r->end_reason = "error";
			fprintf(stderr, "arenaprof: out of memory\n");
			return;
		}
		if (now >= next_flush) {
			if (flush_batch(r)) {
				write_failure(r);
				return;
			}
			next_flush = now + FLUSH_INTERVAL_NS;
			show_progress(r, now);
		}
	}
}

static void *detach_thread(void *arg)
{
	struct recorder *r = arg;

	windows_stop(r->win);
	bpf_session_detach(r->bpf);
	atomic_store(&r->detached, 1);
	return NULL;
}

/* Removes the probes while still draining the ring: closing a uprobe link waits for RCU grace
 * periods (~0.1 s each here) and the probes fire until it returns. */
static void detach_while_consuming(struct recorder *r)
{
	pthread_t t;

	if (pthread_create(&t, NULL, detach_thread, r)) {
		bpf_session_detach(r->bpf);
	} else {
		while (!atomic_load(&r->detached)) {
			ring_buffer__poll(r->ring, 5);
			ring_buffer__consume(r->ring);
		}
		pthread_join(t, NULL);
	}
	while (ring_buffer__consume(r->ring) > 0)
		;
}

/* Probes off, every record still in the ring consumed, final counters and meta written. */
static int finish(struct recorder *r)
{
	struct stack_store_stats ss;
	uint64_t c[AP_CNT_COUNT] = { 0 };

	if (r->progress_shown)
		progress_end(stderr, r->tty);
	r->end_wall_ns = now_ns(CLOCK_REALTIME); /* the probes are disarmed now */
	detach_while_consuming(r);
	if (take_windows(r) || stack_store_close_windows(r->store)) {
		fprintf(stderr, "arenaprof: out of memory\n");
		return 1;
	}
	lifetimes_censor_all(r->lifetimes);
	if (r->write_failed)
		return 1; /* said so already; a later batch cannot fare better */
	if (flush_batch(r) || write_end_meta(r)) {
		write_failure(r);
		return 1;
	}
	bpf_session_counters(r->bpf, c);
	stack_store_stats(r->store, &ss);
	if (!r->opt.quiet) {
		uint64_t allocs = bpf_session_allocs(c);

		fprintf(stderr,
			"arenaprof: wrote %s: %llu allocations, %llu stacks, %llu lost events; ended by %s\n",
			r->opt.output, (unsigned long long)allocs, (unsigned long long)ss.stacks,
			(unsigned long long)c[AP_CNT_LOST], r->end_reason);
	}
	if (c[AP_CNT_LOST])
		fprintf(stderr,
			"arenaprof: warning: %llu events lost (ring buffer full); "
			"try a larger --ring-size\n",
			(unsigned long long)c[AP_CNT_LOST]);
	return strcmp(r->end_reason, "error") ? 0 : 1;
}

static int start_target(struct recorder *r, char *err, size_t errlen)
{
	if (r->opt.command) {
		r->pid = launch_stopped_at_entry(r->opt.command, err, errlen);
		return r->pid > 0 ? 0 : -1;
	}
	r->pid = r->opt.pid;
	if (kill(r->pid, 0) && errno == ESRCH) {
		snprintf(err, errlen, "no such process: %d", (int)r->pid);
		return -1;
	}
	if (r->pid == getpid()) {
		snprintf(err, errlen, "cannot profile arenaprof itself");
		return -1;
	}
	return 0;
}

/* Opens the debug info of every mapped module before the probes are armed: the first lookup in
 * a large module (libc with its debug symbols) takes tens of ms, during which the ring buffer
 * would fill. */
static void warm_symbolizer(struct recorder *r)
{
	struct sym_frame f[SYM_MAX_FRAMES];

	for (uint32_t i = 0; i < target_space_module_count(r->ts); i++) {
		const struct target_module *m = target_space_module(r->ts, i);

		symbolizer_lookup(r->sym, m->host_path, m->path, 0, f, SYM_MAX_FRAMES);
	}
}

/* record --verify: entry and return probes on each named scope function. */
static int attach_scopes(struct recorder *r, char *err, size_t errlen)
{
	struct proc_maps maps;
	int rc = 0;

	if (!r->opt.nverify)
		return 0;
	if (proc_maps_read(r->pid, &maps)) {
		snprintf(err, errlen, "cannot read /proc/%d/maps", (int)r->pid);
		return -1;
	}
	for (int i = 0; i < r->opt.nverify && !rc; i++) {
		rc = function_probe(r->pid, &maps, r->opt.verify[i], &r->scopes[i], err, errlen) ||
		     bpf_session_attach_scope(r->bpf, r->pid, i, r->opt.verify[i], &r->scopes[i],
					      err, errlen);
	}
	proc_maps_free(&maps);
	return rc ? -1 : 0;
}

static int no_exec_pending(void *arg)
{
	return !bpf_session_exec_pending(arg);
}

static int setup(struct recorder *r, char *err, size_t errlen)
{
	struct bpf_session_opts bo = { .stack_mode = r->opt.stack_mode,
				       .snapshot_bytes = r->opt.snapshot_bytes,
				       .ring_bytes = r->opt.ring_bytes,
				       .pid = r->pid,
				       .track_every = r->opt.track_every,
				       .sample_every = r->opt.sample_every,
				       .live_max = 262144 };
	struct alloc_probe_plan plan;
	struct proc_maps maps;
	char more[32] = "";
	int rc;

	rc = proc_maps_read(r->pid, &maps);
	if (rc) {
		snprintf(err, errlen,
			 rc == -ESRCH ? "no such process: %d" : "cannot read /proc/%d/maps",
			 (int)r->pid);
		return -1;
	}
	r->is_go = go_target_detect(r->pid) == 1;
	if (r->is_go) { /* mallocgc by go_session; frame pointers for the CPU samples */
		memset(&plan, 0, sizeof(plan));
		r->opt.stack_mode = bo.stack_mode = AP_STACK_FP;
		rc = r->opt.nverify ? -EPERM : 0;
		if (rc)
			snprintf(err, errlen,
				 "--verify needs return probes, and arenaprof never attaches "
				 "return probes to Go code (goroutine stacks move)");
	} else {
		rc = allocator_probe_plan(r->pid, &maps, &plan, err, errlen);
	}
	proc_maps_free(&maps);
	if (rc)
		return -1;
	for (int f = 0; r->opt.cpu_only && f < AF_COUNT; f++)
		if (f != AF_DL_DEBUG_STATE)
			plan.f[f].found = 0;
	if (ap_attach_select((enum ap_attach_path)r->opt.attach, err, errlen))
		return -1;
	if (!r->opt.exact && !r->opt.cpu_only && probe_cost_measure(&bo, &r->cost, err, errlen))
		return -1;
	r->bpf = bpf_session_load(&bo, err, errlen);
	if (!r->bpf)
		return -1;
	if (r->is_go) { /* the mallocgc probe, attached by the session with the others */
		struct bpf_session_extra x;

		r->go = go_session_start(r->pid, !r->opt.cpu_only, bpf_session_ring_fd(r->bpf),
					 bpf_session_counters_fd(r->bpf), err, errlen);
		if (!r->go)
			return -1;
		if (go_session_extra(r->go, &x) == 0)
			bpf_session_add_extra(r->bpf, &x);
	}
	r->ring = ring_buffer__new(bpf_session_ring_fd(r->bpf), on_event, r, NULL);
	r->ts = target_space_new(r->pid);
	r->sym = symbolizer_new();
	if (!r->ring || !r->ts || !r->sym) {
		snprintf(err, errlen, "cannot set up the consumer: %s", strerror(errno));
		return -1;
	}
	r->unw = unwinder_new(r->ts);
	r->unw_cache = r->unw ? unwind_cache_new(r->unw, r->ts) : NULL;
	r->store = stack_store_new(r->ts, r->sym);
	r->w = profile_writer_new(r->db);
	if (!r->unw_cache || !r->store || !r->w) {
		snprintf(err, errlen, "cannot set up the consumer: out of memory");
		return -1;
	}
	warm_symbolizer(r);
	r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	if (r->opt.cpu_freq) {
		r->ksyms = kallsyms_load(); /* without it kernel frames stay addresses */
		stack_store_set_kallsyms(r->store, r->ksyms);
	}
	if (bpf_session_attach(r->bpf, r->pid, &plan, err, errlen))
		return -1;
	if (!r->opt.cpu_only && bpf_session_attach_alloc(r->bpf, 1, err, errlen))
		return -1;
	if (!r->opt.exact && !r->opt.cpu_only) {
		/* tried once above, so a refused probe is an error now, not in the first window */
		bpf_session_detach_alloc(r->bpf);
		bpf_session_detach_free(r->bpf);
		bpf_session_wait_closed();
	}
	if (attach_scopes(r, err, errlen) || bpf_session_watch_exec(r->bpf, err, errlen))
		return -1;
	target_space_set_refresh_gate(r->ts, no_exec_pending, r->bpf);
	if (r->opt.cpu_freq && bpf_session_sample_cpu(r->bpf, r->pid, r->opt.cpu_freq, err, errlen))
		return -1;
	r->start_ns = now_ns(CLOCK_MONOTONIC);
	r->tty = isatty(STDERR_FILENO);
	r->next_progress = r->start_ns + 1000000000ULL;
	r->lifetimes = lifetimes_new(r->start_ns);
	if (!r->lifetimes) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (r->opt.exact || r->opt.cpu_only) {
		bpf_session_arm(r->bpf, 1);
	} else {
		struct window_opts wo = { .pid = r->pid,
					  .budget = r->opt.overhead,
					  .cost = r->cost,
					  .lifetimes = r->opt.track_every > 0,
					  .track_every = r->opt.track_every,
					  .sample_every = r->opt.sample_every };

		r->win = windows_start(r->bpf, &wo, err, errlen);
		if (!r->win)
			return -1;
	}
	r->start_wall_ns = now_ns(CLOCK_REALTIME);
	if (write_start_meta(r, &plan) || (r->go && go_session_write_meta(r->go, r->db))) {
		snprintf(err, errlen, "cannot write %s: %s", r->opt.output, sqlite3_errmsg(r->db));
		return -1;
	}
	/* the C++ operators are often in another object (libstdc++) */
	if (!r->go && bpf_session_probe_objects(r->bpf) > 1)
		snprintf(more, sizeof(more), " and %d other object%s",
			 bpf_session_probe_objects(r->bpf) - 1,
			 bpf_session_probe_objects(r->bpf) > 2 ? "s" : "");
	if (!r->opt.quiet && r->win)
		fprintf(stderr,
			"arenaprof: recording pid %d: %d allocator functions in %s%s, probed in windows "
			"within a %g%% overhead budget (a probe hit costs %.1f us); Ctrl-C to stop\n",
			(int)r->pid, bpf_session_probe_count(r->bpf),
			r->go ? go_session_path(r->go) : plan.f[AF_MALLOC].target_path, more,
			100 * r->opt.overhead, r->cost.alloc_ns / 1000);
	else if (!r->opt.quiet)
		fprintf(stderr,
			"arenaprof: recording pid %d: %d allocator functions in %s%s%s; Ctrl-C to stop\n",
			(int)r->pid, bpf_session_probe_count(r->bpf),
			r->go ? go_session_path(r->go) : plan.f[AF_MALLOC].target_path, more,
			r->opt.cpu_only ? ", CPU only" : ", every call probed (--exact)");
	return 0;
}

static void teardown(struct recorder *r)
{
	windows_free(r->win);
	ring_buffer__free(r->ring);
	bpf_session_free(r->bpf);
	go_session_free(r->go); /* after: the session writes its armed flag until freed */
	lifetimes_free(r->lifetimes);
	stack_store_free(r->store);
	kallsyms_free(r->ksyms);
	unwind_cache_free(r->unw_cache);
	unwinder_free(r->unw);
	symbolizer_free(r->sym);
	target_space_free(r->ts);
	profile_writer_free(r->w);
	if (r->db)
		sqlite3_close(r->db);
	if (r->pidfd >= 0)
		close(r->pidfd);
}

/* True once the process has exited (a zombie included), from a pidfd polled without waiting. */
static int target_gone(pid_t pid)
{
	struct pollfd p = { .events = POLLIN };
	int gone;

	p.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p.fd < 0)
		return errno == ESRCH;
	gone = poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
	close(p.fd);
	return gone;
}

static void install_signal_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cmd_record(int argc, char **argv)
{
	struct recorder r = { .pidfd = -1, .end_reason = "error" };
	char err[1024] = "";
	int rc = 1;

	if (record_options_parse(argc, argv, &r.opt))
		return 2;
	if (!have_privileges())
		return fail("%s", "record needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE)");
	if (r.opt.pid && kill(r.opt.pid, 0) && errno == ESRCH) {
		snprintf(err, sizeof(err), "no such process: %d", (int)r.opt.pid);
		return fail("%s", err);
	}
	if (ap_db_create(r.opt.output, r.opt.overwrite, &r.db, err, sizeof(err)))
		return fail("%s", err);
	install_signal_handlers();
	unsetenv("DEBUGINFOD_URLS"); /* never wait on the network while the target runs */
	/* --exact: ahead of the target's threads for the CPU, so the ring buffer is drained in
	 * time. Windows make few records: there the agent must not take the CPU from the target. */
	if ((r.opt.exact || r.opt.cpu_only) && setpriority(PRIO_PROCESS, 0, -10) && !r.opt.quiet)
		fprintf(stderr, "arenaprof: note: cannot raise priority: %s\n", strerror(errno));
	if (start_target(&r, err, sizeof(err)) || setup(&r, err, sizeof(err))) {
		/* Whatever step failed (the kernel refusing a probe, an empty maps file...), the
		 * reason is the target that went away meanwhile. */
		if (!r.opt.command && r.pid > 0 && target_gone(r.pid))
			snprintf(err, sizeof(err),
				 "process %d exited while arenaprof was attaching", (int)r.pid);
		else if (!err[0])
			snprintf(err, sizeof(err), "cannot attach to process %d", (int)r.pid);
		fail("%s", err);
		if (r.opt.command && r.pid > 0) {
			kill(r.pid, SIGKILL);
			waitpid(r.pid, NULL, 0);
		}
		teardown(&r);
		ap_db_remove(r.opt.output);
		return 1;
	}
	if (r.opt.command && launch_resume(r.pid)) {
		fail("cannot resume %s", r.opt.command[0]);
		r.end_reason = "error";
	} else {
		record_loop(&r);
	}
	rc = finish(&r);
	if (r.opt.command && strcmp(r.end_reason, "target-exit")) {
		/* The recording ended first: the command we started ends with it. */
		kill(r.pid, SIGTERM);
		waitpid(r.pid, NULL, 0);
	}
	teardown(&r);
	return rc;
}
