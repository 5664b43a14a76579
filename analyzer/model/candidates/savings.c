/* savings.c: a candidate's predicted CPU saving in parts with a 90% interval. The malloc side is
 * the allocator samples of its sites times the share of their objects the scope encloses; the
 * free side the free call sites' allocator samples in proportion to its objects freed there; the
 * walk the samples of the function that only exists to free them; the arena's own cost the
 * in-place cost fraction times malloc and free side. Each sample count is Poisson (variance =
 * count), the enclosed share binomial, the fraction as calibrated; the interval is normal
 * (delta method), its lower end at least 0. */
#include "savings.h"

#include <math.h>

void savings_compute(const struct savings_input *in, struct savings *out)
{
	double n = in->samples > 0 ? in->samples : 1, e = in->enclosed_share, a = in->alloc_samples;
	double f = in->cost_fraction, var_m, var_f, var_w, var_est, var_walk, side;

	out->malloc_side = a * e / n;
	out->free_side = in->free_samples / n;
	out->walk = in->walk_samples / n;
	side = out->malloc_side + out->free_side;
	out->arena_cost = f * side;
	var_m = e * e * a / (n * n);
	if (in->objects > 0)
		var_m += (a / n) * (a / n) * e * (1 - e) / in->objects;
	var_f = in->free_var / (n * n);
	var_w = in->walk_samples / (n * n);
	out->sd_malloc = sqrt(var_m);
	out->sd_free = sqrt(var_f);
	out->sd_walk = sqrt(var_w);
	out->est = (1 - f) * side;
	var_est = (1 - f) * (1 - f) * (var_m + var_f) +
		  side * side * in->cost_fraction_sd * in->cost_fraction_sd;
	var_walk = var_est + var_w;
	out->lo = fmax(0, out->est - SAVINGS_Z90 * sqrt(var_est));
	out->hi = out->est + SAVINGS_Z90 * sqrt(var_est);
	out->with_walk = out->est + out->walk;
	out->with_walk_lo = fmax(0, out->with_walk - SAVINGS_Z90 * sqrt(var_walk));
	out->with_walk_hi = out->with_walk + SAVINGS_Z90 * sqrt(var_walk);
}
