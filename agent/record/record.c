/* record.c: `arenaprof record`: attach the allocator probes to a process (or start one under
 * them), consume the ring buffer (unwind, symbolize, aggregate), and write the profile in
 * batches until -d expires, Ctrl-C/SIGTERM, or the target exits. The database is left complete:
 * probes are detached first, the ring drained, the exact kernel counters stored, then closed.
 * This file is the lifecycle (start, set up, loop, finish, tear down, signals); the consumer is
 * record_decode.c, what is written besides the stacks record_meta.c. */
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alloc_event.h"
#include "allocator_probe.h"
#include "attach_path.h"
#include "bpf_session.h"
#include "go_session.h"
#include "kallsyms.h"
#include "launch.h"
#include "lifetimes.h"
#include "profile_db.h"
#include "progress.h"
#include "profile_writer.h"
#include "record_options.h"
#include "recorder.h"
#include "stack_store.h"
#include "symbolize.h"
#include "target_space.h"
#include "unwind_cache.h"
#include "unwind_dwarf.h"
#include "probe_cost.h"
#include "windows.h"

#define FLUSH_INTERVAL_NS 1000000000ULL

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

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

static int target_exited(struct recorder *r)
{
	struct pollfd p = { .fd = r->pidfd, .events = POLLIN };
	struct rusage ru;
	int status;

	if (r->pidfd >= 0) {
		if (poll(&p, 1, 0) <= 0)
			return 0;
	} else if (kill(r->pid, 0) == 0 || errno != ESRCH) {
		return 0;
	}
	if (r->opt.command && wait4(r->pid, &status, WNOHANG, &ru) == r->pid) {
		peak_rss_reaped(&r->peak_rss, ru.ru_maxrss);
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
			peak_rss_update(&r->peak_rss, r->pid);
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

/* F's code in the target's address space: the mapping of its object that holds its symbol's
 * file offset. 0, or -1 when F has no size (no symbol size) or is not mapped. */
static int function_range(const struct proc_maps *maps, const struct alloc_probe *f, uint64_t *lo,
			  uint64_t *hi)
{
	for (size_t i = 0; f->size && i < maps->n; i++) {
		const struct map_entry *m = &maps->v[i];

		if (strcmp(m->path, f->target_path) || f->file_offset < m->offset ||
		    f->file_offset - m->offset >= m->end - m->start)
			continue;
		*lo = m->start + (f->file_offset - m->offset);
		*hi = *lo + f->size;
		return 0;
	}
	return -1;
}

/* record --verify-loop F:A: an entry probe on A counting iterations of the loop in F (scope
 * index after the --verify functions). */
static int attach_loop(struct recorder *r, const struct proc_maps *maps, int i, char *err,
		       size_t errlen)
{
	const char *fn = r->opt.loop_fn[i], *call = r->opt.loop_call[i];
	uint64_t lo, hi;

	if (function_probe(r->pid, maps, fn, &r->loop_fns[i], err, errlen) ||
	    function_probe(r->pid, maps, call, &r->loop_calls[i], err, errlen))
		return -1;
	if (function_range(maps, &r->loop_fns[i], &lo, &hi)) {
		snprintf(err, errlen, "--verify-loop: the extent of %s is unknown (no symbol size)",
			 fn);
		return -1;
	}
	return bpf_session_attach_loop(r->bpf, r->pid, r->opt.nverify + i, call, &r->loop_calls[i],
				       lo, hi, err, errlen);
}

/* record --verify: entry and return probes on each named scope function; --verify-loop: an
 * entry probe on each loop's call. */
static int attach_scopes(struct recorder *r, char *err, size_t errlen)
{
	struct proc_maps maps;
	int rc = 0;

	if (!r->opt.nverify && !r->opt.nloops)
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
	for (int i = 0; i < r->opt.nloops && !rc; i++)
		rc = attach_loop(r, &maps, i, err, errlen);
	proc_maps_free(&maps);
	return rc ? -1 : 0;
}

static int no_exec_pending(void *arg)
{
	return !bpf_session_exec_pending(arg);
}

/* Where to probe: the allocator functions of the target, or for a Go target its mallocgc (by
 * go_session) with frame pointers for the CPU samples. */
static int plan_probes(struct recorder *r, struct bpf_session_opts *bo,
		       struct alloc_probe_plan *plan, char *err, size_t errlen)
{
	struct proc_maps maps;
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
		memset(plan, 0, sizeof(*plan));
		r->opt.stack_mode = bo->stack_mode = AP_STACK_FP;
		rc = r->opt.nverify || r->opt.nloops ? -EPERM : 0;
		if (rc && r->opt.nverify)
			snprintf(err, errlen,
				 "--verify needs return probes, and arenaprof never attaches "
				 "return probes to Go code (goroutine stacks move)");
		else if (rc) /* go_alloc.bpf.c has no scope frames to number iterations in */
			snprintf(err, errlen, "--verify-loop is not supported for Go programs");
	} else {
		rc = allocator_probe_plan(r->pid, &maps, plan, err, errlen);
	}
	proc_maps_free(&maps);
	if (rc)
		return -1;
	for (int f = 0; r->opt.cpu_only && f < AF_COUNT; f++)
		if (f != AF_DL_DEBUG_STATE)
			plan->f[f].found = 0;
	return 0;
}

/* The probe cost (overhead-budget mode), the BPF session, and for a Go target its mallocgc probe. */
static int load_session(struct recorder *r, const struct bpf_session_opts *bo, char *err,
			size_t errlen)
{
	if (ap_attach_select((enum ap_attach_path)r->opt.attach, err, errlen))
		return -1;
	if (!r->opt.exact && !r->opt.cpu_only && probe_cost_measure(bo, &r->cost, err, errlen))
		return -1;
	r->bpf = bpf_session_load(bo, err, errlen);
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
	return 0;
}

/* The consumer: the ring buffer, the target's address space, unwinder, symbolizer, stack store
 * and profile writer, the symbolizer warmed before any record arrives. */
static int start_consumer(struct recorder *r, char *err, size_t errlen)
{
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
	return 0;
}

/* Every probe attached once (disarmed again in overhead-budget mode), --verify scopes, the exec
 * watch and the CPU sampler. */
static int attach_probes(struct recorder *r, const struct alloc_probe_plan *plan, char *err,
			 size_t errlen)
{
	if (bpf_session_attach(r->bpf, r->pid, plan, err, errlen))
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
	return 0;
}

/* The clock starts: lifetimes followed from here, the probes armed (--exact, --cpu-only) or the
 * overhead-budget windows started. */
static int start_recording(struct recorder *r, char *err, size_t errlen)
{
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
	return 0;
}

/* The "recording pid N" line, unless -q. */
static void announce(struct recorder *r, const struct alloc_probe_plan *plan)
{
	char more[32] = "";

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
			r->go ? go_session_path(r->go) : plan->f[AF_MALLOC].target_path, more,
			100 * r->opt.overhead, r->cost.alloc_ns / 1000);
	else if (!r->opt.quiet)
		fprintf(stderr,
			"arenaprof: recording pid %d: %d allocator functions in %s%s%s; Ctrl-C to stop\n",
			(int)r->pid, bpf_session_probe_count(r->bpf),
			r->go ? go_session_path(r->go) : plan->f[AF_MALLOC].target_path, more,
			r->opt.cpu_only ? ", CPU only" : ", every call probed (--exact)");
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

	if (plan_probes(r, &bo, &plan, err, errlen) || load_session(r, &bo, err, errlen) ||
	    start_consumer(r, err, errlen) || attach_probes(r, &plan, err, errlen) ||
	    start_recording(r, err, errlen))
		return -1;
	if (write_start_meta(r, &plan) || (r->go && go_session_write_meta(r->go, r->db))) {
		snprintf(err, errlen, "cannot write %s: %s", r->opt.output, sqlite3_errmsg(r->db));
		return -1;
	}
	announce(r, &plan);
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
