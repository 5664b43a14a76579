/* windows.c: the overhead-budget thread. Each window: CPU sampling off, the free probe and the
 * allocation probes attached and armed for W ms, the allocation probes closed, the free probe
 * left alone for a short tail while followed objects are still live, then everything closed and
 * the per-thread call state emptied; the window's hits times the measured per-hit costs are the
 * CPU time it took from the target. The next window waits until the total taken is within the
 * budget of the target's own CPU time, and its length aims at a fixed cost per 100 ms.
 * Design notes and measurements: docs/design.md "Overhead budget". */
#define _GNU_SOURCE
#include "windows.h"

#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc_event.h"
#include "target_cpu.h"
#include "task_clock.h"

#define MS 1000000ULL
#define PERIOD_NS (100 * MS) /* aim: one window's cost is the budget of 100 ms of work */
#define MIN_WINDOW_NS (1 * MS)
#define MAX_WINDOW_NS (50 * MS)
#define FIRST_WINDOW_NS (2 * MS)
#define MIN_GAP_NS (10 * MS)
#define MAX_TAIL_NS (20 * MS)
#define CREDIT_NS (2 * MS) /* budget granted at the start, so the first window need not wait */
/* What one CPU sample costs the target (the perf interrupt, the BPF program, the stack copy),
 * charged to the budget so that --overhead bounds the sampler and the probes together: measured
 * 5.6 us here (bench/overhead.sh's paired runs at -F 4999: +2.8% CPU), rounded up. */
#define SAMPLE_COST_NS 8000.0
#define POLL_NS (MS / 2) /* how often an armed window checks what its hits cost so far */
#define ALLOWANCE 2.0 /* a window may cost up to twice its aim before it is cut short */
#define QUEUE 256

struct windows {
	struct bpf_session *s;
	struct window_opts o;
	pthread_t thread;
	atomic_int stop;
	pthread_mutex_t lock;
	struct window_row queue[QUEUE];
	int nqueue;
	char error[512];
	uint64_t lost_total, cpu_first, cpu_last;
	uint64_t sampler_ns; /* the CPU sampler's estimated cost (SAMPLE_COST_NS a sample) */
	/* the last window: armed time, the cost of its hits while armed and of its edges (hits
	 * before arming, after disarming and in the tail) */
	int have_last;
	uint64_t last_armed_ns;
	double last_armed_lost_ns, last_edge_ns;
	uint32_t count;
	struct target_cpu cpu_a, cpu_b, cpu_c; /* gap start, window start, window end */
	/* the latest snapshot, whichever it was: the run time of threads that end is carried over
	 * from it (from an older one, the total went backwards when a Go program's threads ended
	 * at its exit: 278 ms of target CPU became 29 ms) */
	struct target_cpu latest;
	struct task_clock *clock; /* the target's CPU time, exact; NULL: schedstat sums */
	uint64_t gap_start_ns;
	unsigned int seed;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A snapshot of the target's threads into out, threads ended since the latest one carried. */
static int snapshot(struct windows *w, struct target_cpu *out)
{
	if (target_cpu_snapshot(w->o.pid, &w->latest, out))
		return -1;
	if (w->clock) /* exact, where schedstat lags by up to a scheduler tick */
		out->total_ns = task_clock_read(w->clock);
	if (out != &w->latest)
		w->latest = *out;
	return 0;
}

/* Converts the armed time to the target's undisturbed time for the same work: threads with
 * slack absorbed the probes (the armed time stands), saturated threads lost lost/cpu of it. */
static uint64_t exposure(uint64_t armed, double sat, double lost, double cpu)
{
	double work = cpu > 0 ? 1 - lost / cpu : 1;

	if (work < 0.002) /* at most 500 times slower */
		work = 0.002;
	if (work > 1)
		work = 1;
	return (uint64_t)((double)armed * ((1 - sat) + sat * work));
}

/* The free probe stays at most twice the window's length after it (its hits cost about as much
 * as the window's), at least 1 ms. */
static uint64_t tail_max(uint64_t len)
{
	return 2 * len > MAX_TAIL_NS ? MAX_TAIL_NS : 2 * len < MS ? MS : 2 * len;
}

/* The probe cost of the hits counted since c0 (ns of target CPU). */
static double hits_cost(const struct windows *w, const uint64_t *c0)
{
	uint64_t c[AP_CNT_COUNT];

	if (bpf_session_counters(w->s, c))
		return 0;
	return (double)(bpf_session_allocs(c) - bpf_session_allocs(c0) + c[AP_CNT_UNARMED_HITS] -
			c0[AP_CNT_UNARMED_HITS]) *
		       w->o.cost.alloc_ns +
	       (double)(c[AP_CNT_FREES] - c0[AP_CNT_FREES] + c[AP_CNT_UNARMED_FREES] -
			c0[AP_CNT_UNARMED_FREES]) *
		       w->o.cost.free_ns;
}

/* Sleeps until t (monotonic); 1 when asked to stop, else 0. With c0, polls the hit counters
 * every POLL_NS and returns early once the hits since c0 (the arming) cost more than allowance.
 * A window's length comes from the previous window's hit rate; a target that turns busy (idle
 * before, so the previous window was long and cheap) would otherwise spend a whole long window
 * in the probes (measured: one 50 ms window at the start of a malloc loop cost 57 ms, 2.6% of a
 * 2.2 s run). */
static int sleep_capped(struct windows *w, uint64_t t, const uint64_t *c0, double allowance)
{
	uint64_t max_step = c0 ? POLL_NS : 5 * MS;

	for (;;) {
		uint64_t now = mono_ns(), step;
		struct timespec ts;

		if (atomic_load(&w->stop))
			return 1;
		if (now >= t || (c0 && hits_cost(w, c0) > allowance))
			return 0;
		step = t - now < max_step ? t - now : max_step;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)step;
		nanosleep(&ts, NULL);
	}
}

/* Sleeps until t (monotonic) or until asked to stop; 1 when asked to stop. */
static int sleep_until(struct windows *w, uint64_t t)
{
	return sleep_capped(w, t, NULL, 0);
}

/* One window of at most len armed ns whose probe hits may cost up to allowance ns; 0, 1 when the
 * target is gone, or -1 after storing the reason in w->error. */
static int one_window(struct windows *w, uint64_t len, double allowance)
{
	uint64_t c0[AP_CNT_COUNT], c_arm[AP_CNT_COUNT], c1[AP_CNT_COUNT], c2[AP_CNT_COUNT], a0, a1,
		t_arm, t_disarm, t_tail, gap, linger;
	struct window_row row = { .id = w->count + 1 };
	/* Odd windows follow lifetimes (the free probe attached too), even ones only count the
	 * allocations: a probed free costs as much as a probed allocation, and in the windows with
	 * free the target spent most of its time in its (slowed) freeing loops: 1,127 allocations
	 * seen against 5,840 frees, 3,222 frees in the delay before arming and 4,459 in the tails. */
	int lifetime = w->o.lifetimes && row.id % 2 == 1;
	char err[400];
	double lost, armed_lost, cpu, in_sat;

	/* Random delays before attaching (free: nothing traps yet) and between attaching and
	 * arming (every hit in it is a cost, so it is short): attaching can end in step with the
	 * target (it waits for the target's memory), and windows that start at the same phase of a
	 * periodic target see a biased sample (measured: +9% on a 1 ms tick). */
	if (sleep_until(w, mono_ns() + (uint64_t)rand_r(&w->seed) % (2 * MS)))
		return 1;
	bpf_session_set_window(w->s, row.id);
	bpf_session_set_flags(w->s, 0, 0, 0);
	bpf_session_counters(w->s, c0);
	if (bpf_session_attach_alloc(w->s, lifetime, err, sizeof(err))) {
		pthread_mutex_lock(&w->lock);
		snprintf(w->error, sizeof(w->error), "%s", err);
		pthread_mutex_unlock(&w->lock);
		bpf_session_set_flags(w->s, 0, 1, 0);
		return -1;
	}
	gap = mono_ns() - w->gap_start_ns;
	if (snapshot(w, &w->cpu_b)) {
		bpf_session_detach_alloc(w->s);
		bpf_session_detach_free(w->s);
		return 1; /* the target is gone: the recording ends by itself */
	}
	row.saturation = target_cpu_saturation(&w->cpu_a, &w->cpu_b, gap);
	sleep_until(w, mono_ns() + (uint64_t)rand_r(&w->seed) % (len < 2 * MS ? len / 2 + 1 : MS));
	snapshot(w, &w->cpu_b);
	/* The hits before arming (attaching waited for a grace period while the breakpoints
	 * trapped) are spent whatever happens next: only the armed time's hits count against the
	 * allowance. Counting them cut the first window of a busy target at 0.01 ms, and a run of
	 * the benchmark followed no object at all. */
	bpf_session_counters(w->s, c_arm);
	t_arm = mono_ns();
	bpf_session_set_flags(w->s, 1, 0, 0);
	sleep_capped(w, t_arm + len, c_arm, allowance);
	bpf_session_set_flags(w->s, 0, 0, 1);
	t_disarm = mono_ns();
	bpf_session_detach_alloc(w->s); /* first: the probes trap until their close starts */
	snapshot(w, &w->cpu_c);
	in_sat = target_cpu_saturation(&w->cpu_b, &w->cpu_c, t_disarm - t_arm);
	bpf_session_counters(w->s, c1);
	/* the tail: free alone while followed objects of this window are live */
	while (mono_ns() - t_disarm < tail_max(len) && bpf_session_has_live_objects(w->s) &&
	       !atomic_load(&w->stop)) {
		struct timespec ts = { 0, 200000 }; /* every tail free costs: end it promptly */

		nanosleep(&ts, NULL);
	}
	bpf_session_set_flags(w->s, 0, 0, 0);
	t_tail = mono_ns();
	bpf_session_detach_free(w->s);
	bpf_session_counters(w->s, c2);
	bpf_session_wait_untrapped();
	linger = bpf_session_trapped_after_close(w->s, t_disarm, c0, c1);
	bpf_session_forget_calls(w->s);
	bpf_session_set_flags(w->s, 0, 1, 0);

	a0 = bpf_session_allocs(c0);
	a1 = bpf_session_allocs(c1);
	row.start_ns = t_arm;
	row.armed_ns = t_disarm - t_arm;
	row.tail_ns = t_tail - t_disarm;
	row.allocs = a1 - a0;
	row.unarmed_hits = c2[AP_CNT_UNARMED_HITS] - c0[AP_CNT_UNARMED_HITS];
	row.unarmed_frees = c2[AP_CNT_UNARMED_FREES] - c0[AP_CNT_UNARMED_FREES];
	row.frees = c1[AP_CNT_FREES] - c0[AP_CNT_FREES];
	row.tail_frees = c2[AP_CNT_TAIL_FREES] - c0[AP_CNT_TAIL_FREES];
	row.bytes = c1[AP_CNT_BYTES] - c0[AP_CNT_BYTES];
	row.target_cpu_ns = w->cpu_c.total_ns - w->cpu_b.total_ns;
	armed_lost =
		(double)row.allocs * w->o.cost.alloc_ns + (double)row.frees * w->o.cost.free_ns;
	lost = armed_lost + (double)row.tail_frees * w->o.cost.free_ns +
	       (double)row.unarmed_hits * w->o.cost.alloc_ns +
	       (double)row.unarmed_frees * w->o.cost.free_ns;
	/* --attach perf: the breakpoints trapped from the disarming until linger later (weighted
	 * by the functions' hits) with no program counting the hits: charged at the armed cost
	 * rate (an upper bound: a bare trap costs less than a hit with its record), at most the
	 * CPU the target ran while armed (a trap costs only CPU the target runs) */
	if (row.armed_ns) {
		double rate = armed_lost < (double)row.target_cpu_ns ? armed_lost :
								       (double)row.target_cpu_ns;

		lost += rate / (double)row.armed_ns * (double)linger;
	}
	row.lost_ns = (uint64_t)lost;
	cpu = (double)row.target_cpu_ns;
	/* Saturated before or during the window (a target turning busy inside it); during it, the
	 * threads' demand without the probes' share: a paced thread with slack ran more inside the
	 * window only because of the probes, and counting that made its exposure 5-8% short and
	 * agent_windows_steady's estimates as much too high (2 failures in 15 runs). */
	if (cpu > 0)
		in_sat *= armed_lost < cpu ? 1 - armed_lost / cpu : 0;
	if (in_sat > row.saturation)
		row.saturation = in_sat;
	row.exposure_ns = exposure(row.armed_ns, row.saturation, armed_lost, cpu);
	row.exposure_lo_ns =
		exposure(row.armed_ns, row.saturation, armed_lost * (1 + w->o.cost.spread), cpu);
	row.exposure_hi_ns =
		exposure(row.armed_ns, row.saturation, armed_lost * (1 - w->o.cost.spread), cpu);
	if (getenv("ARENAPROF_DEBUG_WINDOWS"))
		fprintf(stderr,
			"window %u: armed %.2f ms (%llu allocs, %llu frees, cpu %.2f ms, lost %.2f ms, "
			"saturation %.2f), tail %.2f ms (%llu frees)\n",
			row.id, (double)row.armed_ns / 1e6, (unsigned long long)row.allocs,
			(unsigned long long)row.frees, (double)row.target_cpu_ns / 1e6,
			(double)row.lost_ns / 1e6, row.saturation, (double)row.tail_ns / 1e6,
			(unsigned long long)row.tail_frees);
	w->have_last = 1;
	w->last_armed_ns = row.armed_ns;
	w->last_armed_lost_ns = armed_lost;
	w->last_edge_ns = lost > armed_lost ? lost - armed_lost : 0;
	pthread_mutex_lock(&w->lock);
	w->count++;
	w->lost_total += row.lost_ns;
	if (w->nqueue < QUEUE)
		w->queue[w->nqueue++] = row;
	pthread_mutex_unlock(&w->lock);
	/* the next gap starts now */
	w->gap_start_ns = mono_ns();
	if (snapshot(w, &w->cpu_a) == 0) {
		pthread_mutex_lock(&w->lock);
		w->cpu_last = w->cpu_a.total_ns;
		pthread_mutex_unlock(&w->lock);
	}
	return 0;
}

/* What one window should cost: the budget of PERIOD of the target's CPU, busy being how many
 * CPUs' worth the target used in the gap before it (at least 0.05), and at least three times
 * what the last window's edges cost. Edges are the hits while the probes were attached but not
 * armed: attaching and closing a link each wait for an RCU grace period (the kernel's
 * dup_mmap_sem), which took 6-7 ms with the target's CPU busy (0.1-0.2 ms idle), and the
 * breakpoints trap meanwhile: 4-8 ms of the target's CPU a window, more than the 2 ms aim of
 * a busy target, so the windows were cut as soon as armed and recorded little. Windows worth
 * their edges come less often instead, within the same budget. */
static double window_aim(const struct windows *w, double busy)
{
	double aim = w->o.budget * (busy < 0.05 ? 0.05 : busy) * (double)PERIOD_NS;

	return aim > 3 * w->last_edge_ns ? aim : 3 * w->last_edge_ns;
}

/* Window length for the aimed cost: from the cost of the last window's edges and its cost rate
 * while armed (lost CPU per armed ns), and how busy the target was. */
static uint64_t next_length(const struct windows *w, double busy)
{
	double rate, len;

	if (!w->have_last || w->last_armed_ns == 0)
		return FIRST_WINDOW_NS;
	rate = w->last_armed_lost_ns / (double)w->last_armed_ns;
	len = rate > 0 ? (window_aim(w, busy) - w->last_edge_ns) / rate : (double)MAX_WINDOW_NS;
	if (len < MIN_WINDOW_NS)
		len = MIN_WINDOW_NS;
	if (len > MAX_WINDOW_NS)
		len = MAX_WINDOW_NS;
	return (uint64_t)len;
}

/* The CPU sampler's cost so far: every sample the perf events took (recorded, held back in a
 * window or lost) at SAMPLE_COST_NS. */
static void sampler_charge(struct windows *w)
{
	uint64_t c[AP_CNT_COUNT];

	if (bpf_session_counters(w->s, c))
		return;
	pthread_mutex_lock(&w->lock);
	w->sampler_ns = (uint64_t)((double)(c[AP_CNT_CPU_SAMPLES] + c[AP_CNT_CPU_IN_WINDOWS] +
					    c[AP_CNT_CPU_LOST]) *
				   SAMPLE_COST_NS);
	pthread_mutex_unlock(&w->lock);
}

static void *window_thread(void *arg)
{
	struct windows *w = arg;

	/* This thread (and the link-closing threads it starts, which inherit it) ahead of the
	 * agent's busy threads: the probes trap until their close has begun, so a window must not
	 * wait for a CPU behind the ring buffer's consumer. It sleeps nearly all the time; the
	 * agent's other threads stay at the target's priority. Not being allowed to is harmless. */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), -10))
		errno = 0;
	w->gap_start_ns = mono_ns();
	/* through snapshot(), like every later reading: the task-clock counters count from their
	 * opening, schedstat from each thread's start, and a first total from schedstat made the
	 * work done so far negative for a target that had run before (2 threads for 0.5 s): it
	 * wrapped around, and no window ever waited (probe cost 21% of the demo service) */
	if (snapshot(w, &w->cpu_a))
		return NULL;
	w->latest = w->cpu_a;
	w->cpu_first = w->cpu_last = w->cpu_a.total_ns;
	while (!atomic_load(&w->stop)) {
		struct target_cpu now;
		uint64_t work, t = mono_ns();
		double busy;

		/* wait for the minimum gap, then until the cost so far fits the budget */
		if (sleep_until(w, w->gap_start_ns + MIN_GAP_NS))
			break;
		if (snapshot(w, &now))
			break;
		pthread_mutex_lock(&w->lock);
		w->cpu_last = now.total_ns;
		pthread_mutex_unlock(&w->lock);
		sampler_charge(w);
		work = now.total_ns - w->cpu_first;
		work = work > w->lost_total + w->sampler_ns ? work - w->lost_total - w->sampler_ns :
							      0;
		t = mono_ns() - w->gap_start_ns;
		busy = t ? (double)(now.total_ns - w->cpu_a.total_ns) / (double)t : 0;
		/* paid in advance: the next window's aimed cost must fit too (paid after, a
		 * recording's last window overshot it: 2.7% for a 2% budget) */
		if ((double)(w->lost_total + w->sampler_ns) + window_aim(w, busy) >
		    w->o.budget * (double)work + (double)CREDIT_NS) {
			struct timespec ts = { 0, 5000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		if (one_window(w, next_length(w, busy), ALLOWANCE * window_aim(w, busy)))
			break;
	}
	return NULL;
}

struct windows *windows_start(struct bpf_session *s, const struct window_opts *o, char *err,
			      size_t errlen)
{
	struct windows *w = calloc(1, sizeof(*w));
	int rc;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->s = s;
	w->o = *o;
	w->seed = (unsigned int)mono_ns();
	pthread_mutex_init(&w->lock, NULL);
	bpf_session_set_flags(s, 0, 1, 0);
	w->clock = task_clock_open(o->pid);
	rc = pthread_create(&w->thread, NULL, window_thread, w);
	if (rc) {
		snprintf(err, errlen, "cannot start the window thread: %s", strerror(rc));
		task_clock_close(w->clock);
		free(w);
		return NULL;
	}
	return w;
}

int windows_take(struct windows *w, struct window_row *out, int max)
{
	int n;

	pthread_mutex_lock(&w->lock);
	n = w->nqueue < max ? w->nqueue : max;
	memcpy(out, w->queue, (size_t)n * sizeof(*out));
	memmove(w->queue, w->queue + n, (size_t)(w->nqueue - n) * sizeof(*out));
	w->nqueue -= n;
	pthread_mutex_unlock(&w->lock);
	return n;
}

const char *windows_error(struct windows *w)
{
	const char *e;

	pthread_mutex_lock(&w->lock);
	e = w->error[0] ? w->error : NULL;
	pthread_mutex_unlock(&w->lock);
	return e;
}

void windows_stop(struct windows *w)
{
	if (!w || atomic_exchange(&w->stop, 1))
		return;
	pthread_join(w->thread, NULL);
	bpf_session_set_flags(w->s, 0, 0, 0);
	sampler_charge(w);
	/* the target's CPU time up to the end, for the totals */
	if (snapshot(w, &w->cpu_b) == 0)
		w->cpu_last = w->cpu_b.total_ns;
}

void windows_totals(struct windows *w, uint64_t *lost_ns, uint64_t *sampler_ns,
		    uint64_t *target_cpu_ns, uint32_t *count)
{
	pthread_mutex_lock(&w->lock);
	*lost_ns = w->lost_total;
	*sampler_ns = w->sampler_ns;
	*count = w->count;
	*target_cpu_ns = w->cpu_last - w->cpu_first;
	pthread_mutex_unlock(&w->lock);
}

void windows_free(struct windows *w)
{
	if (!w)
		return;
	windows_stop(w);
	task_clock_close(w->clock);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
