/* cpu_estimate.h: the second estimator of a windowed profile's allocation counts, independent
 * of the windows' exposures: the CPU samples taken in allocation calls (malloc, realloc,
 * mallocgc; cpu_is_alloc_call) times the calls one such sample stands for. That number comes
 * from the recording itself when it can ("in place": the sites the windows counted reliably,
 * their calls outside the windows over their samples), else from the agent's tight loop (meta
 * calib_*), which gives only an upper bound: a call in place costs at least the thread cache's
 * best case. Intervals: Poisson on the sample counts times the calibration's own interval.
 * Pure arithmetic, called by estimates.c; see docs/design.md "The CPU-sample estimate of counts". */
#ifndef ARENAPROF_CPU_ESTIMATE_H
#define ARENAPROF_CPU_ESTIMATE_H

#include "report_data.h"

/* Calls per allocation-call sample, with its 95% bounds (lo 0: no lower bound). */
struct cpu_calibration {
	int source; /* 0 (none), AN_CAL_IN_PLACE or AN_CAL_TIGHT_LOOP */
	double k, k_lo, k_hi;
	double freq; /* samples per second of CPU time */
};

/* The smallest number of calibrating samples in place: 20 samples are +-45% (95%, Poisson);
 * fewer would give an in-place figure no better than the tight loop's bound. */
#define CPU_CAL_MIN_SAMPLES 20.0

/* The 95% Poisson interval of a count n (Wilson-Hilferty: within 2% of the exact one from
 * n = 1 on; lo is 0 for n = 0). */
void cpu_poisson95(double n, double *lo, double *hi);

/* In place: the calibrating sites' calls made outside the windows (their estimate minus what
 * the windows saw; outside_lo/outside_hi from their 95% interval) over their samples. 0, or -1
 * (out untouched) with fewer than CPU_CAL_MIN_SAMPLES samples or no calls. */
int cpu_calibrate_in_place(double outside, double outside_lo, double outside_hi, double samples,
			   double freq, struct cpu_calibration *out);

/* How much the tight loop's best case may overstate the machine's (its upper bound is widened
 * by it): over 7 recordings on the shared machine here it gave 4.3-6.4 ns a call. */
#define CPU_CAL_LOOP_SPREAD 1.5

/* The agent's tight loop: meta calib_call_ns (half the geometric mean of a malloc/free pair's
 * cost freed at once and in batches) and calib_malloc_free_ns (the batches' pair) give the
 * pair freed at once; half of it is the best case of one call. 0, or -1 when not measured. */
int cpu_calibrate_tight_loop(double call_ns, double malloc_free_ns, double freq,
			     struct cpu_calibration *out);

/* The dearest plausible call, in multiples of the tight loop's best case: measured in place,
 * calls cost 1-1.4x it on the tree benchmark, 3-4x on the demo service and 6-9x with Go's
 * mallocgc (docs/design.md "The CPU-sample estimate of counts"); 30 leaves room for calls that
 * miss the caches more. Only used to tell when the samples contradict the windows. */
#define CPU_CAL_LOOP_WORST 30.0

/* Do samples (allocation-call samples between the windows) under cal stand for more calls than
 * est's 99% upper end, even at their lowest: the in-place interval's lower end, or, with the
 * tight loop, every call CPU_CAL_LOOP_WORST times its best case and the samples at their Poisson
 * lower end? Then the windows missed what the target did between them (the idle-burst-idle
 * target: 386 calls seen, a windows' interval of 386-3,163 for 20 M calls, 50 samples). */
int cpu_contradicts_windows(const struct cpu_calibration *cal, double seen, double samples,
			    const struct an_estimate *est);

/* est's second estimate from seen calls (exact, in the windows) and samples (the site's or the
 * total's allocation-call samples) under cal: cpu_value, cpu_lo, cpu_hi and the rest. */
void cpu_estimate_apply(const struct cpu_calibration *cal, double seen, double samples,
			struct an_estimate *est);

#endif
