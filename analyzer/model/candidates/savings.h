/* savings.h: a candidate's predicted CPU saving in parts, each with its uncertainty, and its 90%
 * interval (savings.c; formulas in analyzer/README.md, "Predicted saving: parts and interval"). */
#ifndef ARENAPROF_SAVINGS_H
#define ARENAPROF_SAVINGS_H

/* z of a two-sided 90% normal interval */
#define SAVINGS_Z90 1.6449
/* The relative uncertainty of the arena's cost fraction when only the tight loop measured it
 * (meta calib_* without calib_inplace_*) or nothing did (ARENA_COST_FRACTION): on the demo
 * service the tight loop said 0.106 where callgrind put the arena at 0.235 of malloc's cost in
 * place, a factor of 2.2; one standard deviation of 100% covers that. */
#define SAVINGS_UNCALIBRATED_REL_SD 1.0
/* The in-place calibration's systematic error, relative, one standard deviation: added (in
 * quadrature) to its run-to-run spread, which alone made a 90% interval of +-1.6 points that
 * missed the measurement. On the demo service (bench/predict.sh, docs/predictions.md) it
 * measured a fraction of 0.11-0.16 where the arena build's CPU samples put the arena's cost in
 * place at 0.38 of the malloc+free it replaced (its own functions 0.22, the zeroing calloc did
 * 0.04, slower code around it 0.12): the calibration runs the arena's code but not the effects
 * of the program around it. */
#define SAVINGS_INPLACE_MODEL_REL_SD 1.0

/* What the parts are computed from: CPU sample counts (Poisson) and shares. */
struct savings_input {
	double samples; /* non-overhead CPU samples of the recording, > 0 */
	double alloc_samples; /* allocator samples of the candidate's sites (malloc side) */
	double enclosed_share; /* of its sampled objects, enclosed by the scope */
	double objects; /* sampled objects behind enclosed_share (its binomial uncertainty) */
	double free_samples; /* free-side samples attributed to its objects */
	double free_var; /* their Poisson variance: sum over free sites of samples x weight^2 */
	double walk_samples; /* non-allocator samples in its free walk function, 0: none */
	double cost_fraction; /* the arena's cost per object / malloc+free's, in place */
	double cost_fraction_sd; /* its standard deviation */
};

struct savings {
	double malloc_side, free_side, walk, arena_cost; /* shares of the CPU time */
	double sd_malloc, sd_free, sd_walk; /* their standard deviations */
	double est, lo, hi; /* (malloc_side + free_side) x (1 - fraction), its 90% interval */
	double with_walk, with_walk_lo, with_walk_hi; /* est + walk, its 90% interval */
};

void savings_compute(const struct savings_input *in, struct savings *out);

#endif
