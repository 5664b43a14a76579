/* cpu_estimate.c: the arithmetic of the CPU-sample count estimate (cpu_estimate.h). */
#define _POSIX_C_SOURCE 200809L
#include "cpu_estimate.h"

#include <math.h>

#define Z95 1.959964

void cpu_poisson95(double n, double *lo, double *hi)
{
	double a = n, b = n + 1;

	*lo = a > 0 ? a * pow(1 - 1 / (9 * a) - Z95 / (3 * sqrt(a)), 3) : 0;
	*hi = b * pow(1 - 1 / (9 * b) + Z95 / (3 * sqrt(b)), 3);
	if (*lo < 0)
		*lo = 0;
}

int cpu_calibrate_in_place(double outside, double outside_lo, double outside_hi, double samples,
			   double freq, struct cpu_calibration *out)
{
	double slo, shi;

	if (samples < CPU_CAL_MIN_SAMPLES || !(outside > 0) || !(freq > 0))
		return -1;
	cpu_poisson95(samples, &slo, &shi);
	out->source = AN_CAL_IN_PLACE;
	out->k = outside / samples;
	/* the calls' lower end over the samples' upper end, and the other way round */
	out->k_lo = fmax(outside_lo, 0) / shi;
	out->k_hi = fmax(outside_hi, outside) / slo;
	out->freq = freq;
	return 0;
}

int cpu_calibrate_tight_loop(double call_ns, double malloc_free_ns, double freq,
			     struct cpu_calibration *out)
{
	double best;

	if (!(call_ns > 0) || !(malloc_free_ns > 0) || !(freq > 0))
		return -1;
	/* call_ns = sqrt(pair * malloc_free_ns) / 2 (agent/probes/calibrate.c), so the pair freed
	 * at once costs (2 call_ns)^2 / malloc_free_ns, and one call half of that */
	best = 2 * call_ns * call_ns / malloc_free_ns;
	out->source = AN_CAL_TIGHT_LOOP;
	out->k = 1e9 / (freq * best);
	out->k_hi = out->k * CPU_CAL_LOOP_SPREAD;
	out->k_lo = 0; /* calls in place may cost any multiple of the best case */
	out->freq = freq;
	return 0;
}

void cpu_estimate_apply(const struct cpu_calibration *cal, double seen, double samples,
			struct an_estimate *est)
{
	double slo, shi;

	if (!cal->source || !(samples > 0))
		return;
	cpu_poisson95(samples, &slo, &shi);
	est->has_cpu = 1;
	est->cpu_calibration = cal->source;
	est->cpu_samples = samples;
	est->cpu_call_ns = 1e9 / (cal->freq * cal->k);
	est->cpu_value = seen + samples * cal->k;
	est->cpu_lo = seen + slo * cal->k_lo;
	est->cpu_hi = seen + shi * cal->k_hi;
}

int cpu_contradicts_windows(const struct cpu_calibration *cal, double seen, double samples,
			    const struct an_estimate *est)
{
	double slo, shi, least;

	if (!cal->source || !(samples > 0) || !est->present || est->unknown)
		return 0;
	cpu_poisson95(samples, &slo, &shi);
	least = cal->source == AN_CAL_IN_PLACE ? slo * cal->k_lo :
						 slo * cal->k / CPU_CAL_LOOP_WORST;
	return seen + least > est->hi99;
}
