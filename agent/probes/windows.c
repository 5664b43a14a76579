/* windows.c: the overhead-budget thread. Two kinds of window. A count window: CPU sampling off,
 * the allocation probes attached and armed for W ms, then closed and the per-thread call state
 * emptied. A cohort window (lifetimes followed; odd ids): the free probe attached too, the
 * allocation probes armed for a short allocation window (the cohort: the objects followed), then
 * closed, and the free probe kept alone until the cohort has died, or until its tail has cost
 * what the budget set aside for it, or for at most COHORT_MAX_TAIL_NS. Cohorts come seconds
 * apart at random times, except right after a burst of frees (a tail that saw one, or an
 * allocation window that saw only frees): the next cohort is armed at once, at the start of the
 * next unit of work. Each window's hits times the measured per-hit costs are the CPU time it
 * took from the target; the next window waits until the total taken is within the budget of the
 * target's own CPU time. Design notes and measurements: docs/design.md "Overhead budget" and
 * "Lifetime cohorts". */
#define _GNU_SOURCE
#include "windows.h"

#include <errno.h>
#include <math.h>
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
/* Cohorts (docs/design.md "Lifetime cohorts"): whatever count windows overspend, cohorts keep
 * 1 - COUNT_SHARE of the budget; a cohort is due 1-3 s after the previous one ended (uniform:
 * no lock-in with the target's own period), the first one 0.1-0.5 s after the start. */
#define COUNT_SHARE 0.5
#define COHORT_GAP_MIN_NS (1000 * MS)
#define COHORT_GAP_SPREAD_NS (2000 * MS)
#define FIRST_COHORT_MIN_NS (100 * MS)
#define FIRST_COHORT_SPREAD_NS (400 * MS)
/* Until the cohorts' objects seen to end number this many, a cohort whose objects all ended is
 * followed by the next one as soon as the first one came (0.1-0.5 s), not 1-3 s later: a 0.4 s
 * run of diff (2 s on a loaded machine) had room for one cohort of 56-108 objects, and the
 * analyzer wants 20 at a candidate; the count windows took the budget the cohort left. */
#define COHORT_WANT_ENDED 1000
#define RETRY_COHORT_MIN_NS (50 * MS) /* after a cohort that saw no call */
#define RETRY_COHORT_SPREAD_NS (200 * MS)
/* A cohort's free probe stays at most this long: the analyzer's long horizon (an object outliving
 * 1 s is long-lived, analyzer/survival.c) plus room for the probes' slowdown. */
#define COHORT_MAX_TAIL_NS (2500 * MS)
/* A cohort's cost aim, in seconds of half the budget (budget / 2 x busy CPUs x this): doubled
 * up to 8 s after a tail cut by its allowance with objects still live, else 0.7 of it, down to
 * 0.5 s (about five count windows). */
#define COHORT_AIM_MIN_S 0.5
/* The first cohort's aim: following a cohort to its end costs every free made meanwhile, and a
 * request freeing its 20,000 tokens newest first reaches the cohort's last (0.5 s: three
 * cohorts of a 10 s recording saw 5 of 736 objects end) */
#define COHORT_AIM_FIRST_S 2.0
#define COHORT_AIM_MAX_S 8.0
/* The share of a cohort's aim for its allocation window; the rest pays the tail. */
#define COHORT_ALLOC_SHARE 0.25
#define COHORT_TAIL_SHARE 0.25 /* the least a tail may spend of its cohort's aim */
#define TAIL_POLL_NS (MS / 2) /* every tail free costs: check promptly whether the cohort died */
/* A cohort's allocation window stays armed until its hits have cost its allocation aim
 * (cohort_allowance, polled every POLL_NS), or this long. Its length came from the last cohort's
 * cost rate per armed ns, a wall-clock length: on a loaded machine the target often did not run
 * in it (xmllint at 10-20 % of a CPU: 10 of 22 cohorts of 1-16 ms recorded nothing), and a
 * target that allocates little (astyle, 1-2 % of its CPU in the allocator) was cut at 50 ms with
 * 36-128 objects, its edges (1-5 ms of its CPU) costing more than the objects it followed. */
#define COHORT_MAX_WINDOW_NS (400 * MS)
/* Free bursts (docs/design.md "Lifetime cohorts"): a tail sees a burst when a block of at least
 * BURST_MIN_FREES frees comes at BURST_FACTOR times the tail's mean rate before it, per ms of the
 * target's CPU. A per-document parser frees its 326,000 objects of a document in one burst in
 * document order (xmllint: about 150 frees per ms of CPU while parsing, 1,850 in the burst,
 * probed); a cohort allocated at a random point of the document reaches its objects after half
 * the burst on average, 88 ms of probe cost, more than the budget of a 10 s recording on a
 * loaded machine. Once a burst is seen, the tail goes on for BURST_PROBE_SHARE of its allowance,
 * then stops, and the next cohort is armed at once (with the usual aim if the budget has room,
 * at least what the stopped one left): right after a burst is the start of the next unit of
 * work, whose objects a document-order burst frees first. */
#define BURST_FACTOR 4.0
#define BURST_MIN_FREES 256
#define BURST_PROBE_SHARE 0.25
#define CREDIT_NS (2 * MS) /* budget granted at the start, so the first window need not wait */
#define EDGE_HALF_LIFE_NS (1000 * MS) /* see edge_estimate */
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
	uint64_t last_edge_at; /* when the last count window ended (monotonic) */
	uint32_t count;
	struct target_cpu cpu_a, cpu_b, cpu_c; /* gap start, window start, window end */
	/* the latest snapshot, whichever it was: the run time of threads that end is carried over
	 * from it (from an older one, the total went backwards when a Go program's threads ended
	 * at its exit: 278 ms of target CPU became 29 ms) */
	struct target_cpu latest;
	struct task_clock *clock; /* the target's CPU time, exact; NULL: schedstat sums */
	uint64_t gap_start_ns;
	unsigned int seed;
	uint32_t last_id; /* count windows take even ids, cohorts odd ones, in time order */
	uint64_t cohort_lost; /* what the cohorts took (the rest) */
	uint64_t next_cohort_ns; /* monotonic: a cohort is due from then on */
	double cohort_aim_s; /* the next cohort's aim, seconds of budget */
	/* the last cohort's allocation window: armed time and cost, as for the count windows */
	int have_cohort;
	uint64_t cohort_armed_ns;
	double cohort_armed_lost_ns;
	int tail_cut; /* the last cohort's tail ended with objects still live */
	uint64_t cohort_tail_ns; /* and how long it was */
	uint64_t cohort_allocs; /* and the calls its allocation window saw */
	double cohort_tail_lost_ns; /* and what it cost */
	int burst_cut; /* the last cohort's tail was stopped in a free burst, on purpose */
	int chained; /* the last cohort was armed right after a burst */
	int chain_ok; /* chaining has not failed yet (a chained cohort's objects outlived its tail) */
	int chain_due; /* the next cohort goes right away, */
	double chain_aim; /* with this aim (0: the usual one) */
	uint64_t cohort_frees; /* the last cohort's allocation window: frees seen in it */
	uint64_t ended; /* calls of cohorts whose objects all ended within their tails */
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

/* What an allocation hit costs while the probes are attached and not armed (a window's edges):
 * measured (agent/probes/probe_cost.c), else an armed hit's cost. Charged at an armed hit's
 * 6.9-9.8 us, the edges of one cohort of diff (300 unarmed hits while attaching and closing) were
 * 3 of its 4.2 ms, and a 0.4 s run of diff could pay for one cohort of 56 objects. */
static double unarmed_ns(const struct windows *w)
{
	return w->o.cost.unarmed_ns > 0 ? w->o.cost.unarmed_ns : w->o.cost.alloc_ns;
}

/* The probe cost of the hits counted since c0 (ns of target CPU). Nested hits trap too: a C++
 * `new` calling a probed `malloc` is counted once as `new` but hits twice (AP_CNT_NESTED), and a
 * `delete` handing its pointer to a probed `free` likewise (AP_CNT_NESTED_FREES). */
static double hits_cost(const struct windows *w, const uint64_t *c0)
{
	uint64_t c[AP_CNT_COUNT];

	if (bpf_session_counters(w->s, c))
		return 0;
	return (double)(bpf_session_allocs(c) - bpf_session_allocs(c0) + c[AP_CNT_NESTED] -
			c0[AP_CNT_NESTED]) *
		       w->o.cost.alloc_ns +
	       (double)(c[AP_CNT_UNARMED_HITS] - c0[AP_CNT_UNARMED_HITS]) * unarmed_ns(w) +
	       (double)(c[AP_CNT_FREES] - c0[AP_CNT_FREES] + c[AP_CNT_UNARMED_FREES] -
			c0[AP_CNT_UNARMED_FREES] + c[AP_CNT_NESTED_FREES] -
			c0[AP_CNT_NESTED_FREES]) *
		       w->o.cost.free_ns;
}

/* What a followed object's free record costs beyond free's trap: at most what an allocation
 * hit costs beyond it (an allocation hit is two traps and a record). */
static double free_record_ns(const struct windows *w)
{
	double d = w->o.cost.alloc_ns - w->o.cost.free_ns;

	return d > 0 ? d : 0;
}

/* The cost of a cohort's tail since c1 (the disarming): the free probe's hits. The followed
 * objects' free records are charged to the allocation window (see one_window): charged here,
 * 867 objects at 20 us a record on a loaded machine were over the tail's allowance before any
 * free, and a cohort followed no object to its end. */
static double tail_cost(const struct windows *w, const uint64_t *c1)
{
	uint64_t c[AP_CNT_COUNT];

	if (bpf_session_counters(w->s, c))
		return 0;
	return (double)(c[AP_CNT_TAIL_FREES] - c1[AP_CNT_TAIL_FREES] + c[AP_CNT_UNARMED_FREES] -
			c1[AP_CNT_UNARMED_FREES]) *
	       w->o.cost.free_ns;
}

/* The clock a tail measures free rates on: the target's CPU time where it is exact (a loaded
 * machine's scheduling would make wall-clock rates jump), else wall time. */
static uint64_t tail_clock(const struct windows *w)
{
	return w->clock ? task_clock_read(w->clock) : mono_ns();
}

/* Whether the frees from f_prev to f (clock cpu_prev to cpu) are a burst against the tail's
 * mean from f0 (clock cpu0) to f_prev: BURST_FACTOR times its rate. A tail that starts in a burst
 * has a high mean and sees none. */
static int free_burst(uint64_t f0, uint64_t f_prev, uint64_t f, uint64_t cpu0, uint64_t cpu_prev,
		      uint64_t cpu)
{
	double mean, rate;

	if (cpu_prev <= cpu0 || cpu <= cpu_prev)
		return 0;
	mean = (double)(f_prev - f0) / (double)(cpu_prev - cpu0);
	rate = (double)(f - f_prev) / (double)(cpu - cpu_prev);
	return rate >= BURST_FACTOR * mean;
}

/* The objects a cohort of allocs armed hits followed (each recorded call is followed with
 * probability 1/track, recorded with 1/sample). */
static double followed(const struct windows *w, uint64_t allocs)
{
	double every = (double)(w->o.track_every ? w->o.track_every : 1) *
		       (double)(w->o.sample_every ? w->o.sample_every : 1);

	return (double)allocs / every;
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

/* One window of at most len armed ns whose probe hits may cost up to allowance ns; a cohort
 * (lifetime = 1) then keeps the free probe until its objects died, the whole cohort cost aim
 * (its tail at least COHORT_TAIL_SHARE of it; less when it sees a burst of frees) or
 * COHORT_MAX_TAIL_NS passed (w->tail_cut says whether objects were still live then, w->burst_cut
 * whether it stopped in a burst). 0, 1 when the target is gone, or -1 after storing the reason
 * in w->error. */
static int one_window(struct windows *w, int lifetime, uint64_t len, double allowance, double aim)
{
	uint64_t c0[AP_CNT_COUNT], c_arm[AP_CNT_COUNT], c1[AP_CNT_COUNT], c2[AP_CNT_COUNT], a0, a1,
		t_arm, t_disarm, t_tail, gap, linger;
	/* Count windows take even ids and cohorts odd ones (meta lifetime_windows = odd), in time
	 * order; an id is skipped where two windows of a kind follow each other. Count windows
	 * have no free probe: a probed free costs as much as a probed allocation, and in windows
	 * with free the target spent most of its time in its (slowed) freeing loops: 1,127
	 * allocations seen against 5,840 frees, 3,222 frees in the delay before arming and 4,459
	 * in the tails. */
	struct window_row row = { .id = w->last_id + 1 +
					((w->last_id + 1) % 2 != (uint32_t)lifetime) };
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
	/* the tail: free alone while the cohort's objects are live, within its allowance */
	w->tail_cut = 0;
	if (lifetime) {
		/* what the aim leaves, the attaching's hits included, at least COHORT_TAIL_SHARE of
		 * it: with at least 3/4 of the aim whatever the allocation window had spent, a
		 * cohort armed until its allocation aim was spent cost up to 1.75 times its aim
		 * and its edges (diff: 3.9 % of a 2 % budget) */
		double tracked = followed(w, bpf_session_allocs(c1) - bpf_session_allocs(c_arm));
		double spent = hits_cost(w, c0) + tracked * free_record_ns(w);
		double tail_allowance = aim - spent > COHORT_TAIL_SHARE * aim ?
						aim - spent :
						COHORT_TAIL_SHARE * aim;

		double limit = tail_allowance;
		uint64_t f0 = c1[AP_CNT_TAIL_FREES], f_prev = f0, cpu0 = tail_clock(w),
			 cpu_prev = cpu0;
		int burst = 0;

		w->burst_cut = 0;
		w->chain_aim = 0;
		while (bpf_session_has_live_objects(w->s) && !atomic_load(&w->stop)) {
			struct timespec ts = { 0, (long)TAIL_POLL_NS };
			uint64_t c[AP_CNT_COUNT], cpu = tail_clock(w);
			double cost = tail_cost(w, c1);

			/* rates over blocks of at least BURST_MIN_FREES frees, the first block
			 * the baseline */
			if (!burst && !bpf_session_counters(w->s, c) &&
			    c[AP_CNT_TAIL_FREES] - f_prev >= BURST_MIN_FREES) {
				if (f_prev != f0)
					burst = free_burst(f0, f_prev, c[AP_CNT_TAIL_FREES], cpu0,
							   cpu_prev, cpu);
				/* a normal cohort probes the burst's start, then leaves the rest
				 * of its allowance to a cohort armed right after the burst */
				if (burst && w->chain_ok && !w->chained &&
				    cost + BURST_PROBE_SHARE * tail_allowance < limit)
					limit = cost + BURST_PROBE_SHARE * tail_allowance;
				if (burst) /* what the tail leaves of its allowance if cut */
					w->chain_aim = tail_allowance - limit;
				f_prev = c[AP_CNT_TAIL_FREES];
				cpu_prev = cpu;
			}
			if (mono_ns() - t_disarm >= COHORT_MAX_TAIL_NS || cost > limit) {
				w->tail_cut = 1;
				w->burst_cut = burst;
				break;
			}
			nanosleep(&ts, NULL);
		}
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
	       (double)row.unarmed_hits * unarmed_ns(w) +
	       (double)row.unarmed_frees * w->o.cost.free_ns;
	if (lifetime) /* each followed object's free record (at most an allocation hit's cost
		       * beyond the free's trap) */
		lost += followed(w, a1 - bpf_session_allocs(c_arm)) * free_record_ns(w);
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
			"saturation %.2f), tail %.2f ms (%llu frees%s%s%s), aim %.2f ms, allowance "
			"%.2f ms\n",
			row.id, (double)row.armed_ns / 1e6, (unsigned long long)row.allocs,
			(unsigned long long)row.frees, (double)row.target_cpu_ns / 1e6,
			(double)row.lost_ns / 1e6, row.saturation, (double)row.tail_ns / 1e6,
			(unsigned long long)row.tail_frees, w->chained ? ", chained" : "",
			w->tail_cut ? ", cut" : "", w->burst_cut ? " in a burst" : "", aim / 1e6,
			allowance / 1e6);
	w->last_id = row.id;
	if (lifetime) {
		w->have_cohort = 1;
		w->cohort_armed_ns = row.armed_ns;
		w->cohort_armed_lost_ns = armed_lost + followed(w, a1 - bpf_session_allocs(c_arm)) *
							       free_record_ns(w);
		w->cohort_tail_ns = row.tail_ns;
		w->cohort_allocs = a1 - bpf_session_allocs(c_arm);
		w->cohort_frees = row.frees;
		w->cohort_tail_lost_ns = (double)row.tail_frees * w->o.cost.free_ns;
		w->cohort_lost += row.lost_ns;
	} else {
		w->have_last = 1;
		w->last_armed_ns = row.armed_ns;
		w->last_armed_lost_ns = armed_lost;
		w->last_edge_ns = lost > armed_lost ? lost - armed_lost : 0;
		w->last_edge_at = mono_ns();
	}
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

/* What the next window's edges are expected to cost: the last count window's, halved for every
 * EDGE_HALF_LIFE_NS since. An edge's cost is the machine's load at that instant (a grace period
 * the target traps through): one first count window whose edges cost 22.8 ms on a loaded
 * machine set every later window's floor (3 times its edges) above what the budget of a 5 s
 * parse could pay, and no cohort ever started. */
static double edge_estimate(const struct windows *w)
{
	double age = (double)(mono_ns() - w->last_edge_at) / (double)EDGE_HALF_LIFE_NS;

	return w->last_edge_ns * exp2(-age);
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

	return aim > 3 * edge_estimate(w) ? aim : 3 * edge_estimate(w);
}

/* Window length for the aimed cost: from the cost of the last window's edges and its cost rate
 * while armed (lost CPU per armed ns), and how busy the target was. */
static uint64_t next_length(const struct windows *w, double busy)
{
	double rate, len;

	if (!w->have_last || w->last_armed_ns == 0)
		return FIRST_WINDOW_NS;
	rate = w->last_armed_lost_ns / (double)w->last_armed_ns;
	len = rate > 0 ? (window_aim(w, busy) - edge_estimate(w)) / rate : (double)MAX_WINDOW_NS;
	if (len < MIN_WINDOW_NS)
		len = MIN_WINDOW_NS;
	if (len > MAX_WINDOW_NS)
		len = MAX_WINDOW_NS;
	return (uint64_t)len;
}

/* What a cohort may cost: its share of cohort_aim_s seconds of the budget (busy as for
 * window_aim), at least three times the edges of a window. */
static double cohort_aim(const struct windows *w, double busy)
{
	double aim = (1 - COUNT_SHARE) * w->o.budget * (busy < 0.05 ? 0.05 : busy) *
		     w->cohort_aim_s * 1e9;

	return aim > 3 * edge_estimate(w) ? aim : 3 * edge_estimate(w);
}

/* What a cohort's allocation window may cost: what its aim leaves beyond twice the last tail's
 * cost, at least COHORT_ALLOC_SHARE of it (a cohort that dies at once, as the demo service's
 * parse trees do within 5 ms, spends most of its aim on following more objects); the first
 * cohort, whose tail is not known yet, that share. */
static double cohort_alloc_aim(const struct windows *w, double aim)
{
	double rest = w->have_cohort ? aim - 2 * w->cohort_tail_lost_ns : 0;

	return rest > COHORT_ALLOC_SHARE * aim ? rest : COHORT_ALLOC_SHARE * aim;
}

/* What a cohort's allocation window's hits may cost before it is cut (sleep_capped counts the
 * hits only): its aim less its objects' free records, which follow every hit followed, without
 * the count windows' ALLOWANCE (a cohort armed 38 ms at the switch of a paced target to flat out,
 * its length from a cheap cohort before, cost 82 ms: 3.8% of a 2% budget). */
static double cohort_allowance(const struct windows *w, double aim)
{
	double hit = w->o.cost.alloc_ns, rec = followed(w, 1) * free_record_ns(w);

	return hit + rec > 0 ? cohort_alloc_aim(w, aim) * hit / (hit + rec) : 0;
}

/* After a cohort: the next one 1-3 s later, at random; its aim doubled when this one's tail was
 * cut by its allowance with objects still live (they may yet die: a longer tail next time),
 * else 0.7 of it (the budget waited for is what spaces the cohorts). */
static void cohort_done(struct windows *w)
{
	uint64_t tail = w->cohort_tail_ns;
	int chained = w->chained;

	w->chained = 0;
	w->chain_due = 0;
	/* a cohort armed after a burst whose objects outlived its tail into the next burst
	 * too: this target's bursts do not free a unit's first objects first (LIFO), no more
	 * chains (one cut before any burst only had too small an allowance: 986 frees) */
	if (chained && w->tail_cut && w->burst_cut && w->cohort_allocs)
		w->chain_ok = 0;
	/* a cohort whose allocation window saw frees and no allocation was in a burst of frees:
	 * the next unit of work starts right after it (measured on xmllint: 0 allocations and
	 * 576-3,840 frees in 1-37 ms, in 6 of 12 cohorts); it cost next to nothing, again at once */
	if (w->cohort_allocs == 0 && w->cohort_frees >= BURST_MIN_FREES && w->chain_ok) {
		w->chain_due = 1;
		w->chain_aim = 0;
		w->next_cohort_ns = mono_ns();
		return;
	}
	/* a cohort of nothing (the target did not run in its 2 ms on a loaded machine: the only
	 * cohort of a 6 s recording followed no object) cost next to nothing: again soon */
	if (w->cohort_allocs == 0) {
		w->next_cohort_ns = mono_ns() + RETRY_COHORT_MIN_NS +
				    (uint64_t)rand_r(&w->seed) % RETRY_COHORT_SPREAD_NS;
		return;
	}

	/* stopped in a burst on purpose: the next one right after it, with the same aim */
	if (!chained && w->burst_cut && w->chain_ok) {
		w->chain_due = 1;
		w->next_cohort_ns = mono_ns();
		return;
	}
	if (w->tail_cut && tail < COHORT_MAX_TAIL_NS)
		w->cohort_aim_s *= 2;
	else if (!w->tail_cut)
		w->cohort_aim_s *= 0.7;
	if (w->cohort_aim_s < COHORT_AIM_MIN_S)
		w->cohort_aim_s = COHORT_AIM_MIN_S;
	if (w->cohort_aim_s > COHORT_AIM_MAX_S)
		w->cohort_aim_s = COHORT_AIM_MAX_S;
	if (!w->tail_cut)
		w->ended += w->cohort_allocs;
	/* few lifetimes seen yet, and this cohort's all ended within its aim: the next one as
	 * soon as the first one came (the budget still decides when) */
	if (!w->tail_cut && w->ended < COHORT_WANT_ENDED)
		w->next_cohort_ns = mono_ns() + FIRST_COHORT_MIN_NS +
				    (uint64_t)rand_r(&w->seed) % FIRST_COHORT_SPREAD_NS;
	else
		w->next_cohort_ns = mono_ns() + COHORT_GAP_MIN_NS +
				    (uint64_t)rand_r(&w->seed) % COHORT_GAP_SPREAD_NS;
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
	w->cohort_aim_s = COHORT_AIM_FIRST_S;
	w->chain_ok = 1;
	w->next_cohort_ns = mono_ns() + FIRST_COHORT_MIN_NS +
			    (uint64_t)rand_r(&w->seed) % FIRST_COHORT_SPREAD_NS;
	while (!atomic_load(&w->stop)) {
		struct target_cpu now;
		uint64_t work, t = mono_ns();
		double busy, budget, spent, aim, reserve;
		int cohort;

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
		/* Paid in advance: the next window's aimed cost must fit too (paid after, a
		 * recording's last window overshot it: 2.7% for a 2% budget). A cohort that is due
		 * goes first when the whole budget has room for it, or its own share (1 -
		 * COUNT_SHARE) does whatever count windows overspent (a first count window whose
		 * edges cost 83 ms on a loaded machine kept the first cohort waiting 6 s). Count
		 * windows and the sampler use the rest (a fixed half each left agent_windows_steady
		 * 6 windows). */
		budget = w->o.budget * (double)work + (double)CREDIT_NS;
		spent = (double)(w->lost_total + w->sampler_ns);
		cohort = w->o.lifetimes && mono_ns() >= w->next_cohort_ns;
		aim = w->o.lifetimes ? cohort_aim(w, busy) : 0;
		/* while a cohort is due, count windows wait for it: with their own half only, a
		 * cohort of 2 s of the budget waited 5 s of a 10 s recording; reserved always (not
		 * only while due), the doubled aims starved agent_windows_rate_change */
		reserve = cohort ? aim : 0;
		if (cohort && w->chain_due) {
			/* right after a burst: now or never, with the usual aim if the budget has
			 * room for it, else what it has room for, and at least what the cohort
			 * stopped in the burst left of its tail's allowance (that was paid for:
			 * the two cost no more than it could have alone) */
			double room = budget - spent,
			       share = (1 - COUNT_SHARE) * (budget - (double)CREDIT_NS) +
				       (double)CREDIT_NS - (double)w->cohort_lost;

			if (share > room)
				room = share;
			if (room < w->chain_aim)
				room = w->chain_aim;
			if (room < aim)
				aim = room;
			if (getenv("ARENAPROF_DEBUG_WINDOWS"))
				fprintf(stderr, "chain: aim %.2f ms, edges %.2f ms\n", aim / 1e6,
					edge_estimate(w) / 1e6);
			if (aim < 3 * edge_estimate(w) || aim <= 0) { /* not worth its edges */
				w->chain_due = 0;
				w->next_cohort_ns =
					mono_ns() + COHORT_GAP_MIN_NS +
					(uint64_t)rand_r(&w->seed) % COHORT_GAP_SPREAD_NS;
				continue;
			}
			w->chained = 1;
			if (one_window(w, 1, COHORT_MAX_WINDOW_NS, cohort_allowance(w, aim), aim))
				break;
			cohort_done(w);
			continue;
		}
		if (cohort && (spent + aim <= budget ||
			       (double)w->cohort_lost + aim <=
				       (1 - COUNT_SHARE) * (budget - (double)CREDIT_NS) +
					       (double)CREDIT_NS)) {
			if (one_window(w, 1, COHORT_MAX_WINDOW_NS, cohort_allowance(w, aim), aim))
				break;
			cohort_done(w);
			continue;
		}
		if (spent + window_aim(w, busy) + reserve > budget) {
			struct timespec ts = { 0, 5000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		if (one_window(w, 0, next_length(w, busy), ALLOWANCE * window_aim(w, busy), 0))
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
