/* calibrate.h: measures on the recording machine what an object costs with malloc/free and with
 * the bundled arena, for the size mix the target allocated, so the report's predicted savings
 * rest on a measurement rather than a constant. */
#ifndef ARENAPROF_CALIBRATE_H
#define ARENAPROF_CALIBRATE_H

#include <stdint.h>

struct calibration {
	double malloc_free_ns; /* one malloc + its free, per object */
	double arena_ns; /* one arena allocation, reset amortized, per object */
	/* one allocation call, for estimating counts from CPU samples (analyzer/estimates.c):
	 * half the geometric mean of a malloc + free pair freed at once (the thread cache's best
	 * case) and of malloc_free_ns (batches: the cache-missing case) */
	double call_ns;
};

/* sizes/weights: the size mix (n entries, weights = allocation counts). 0, or -1 when n is 0 or
 * memory runs out. Takes about 0.1 s. */
int calibrate(const uint64_t *sizes, const uint64_t *weights, int n, struct calibration *out);

/* A size mix for when the recording saw no allocation to take one from (the windows missed a
 * burst that the CPU samples saw): 16 to 64 bytes, evenly, the small objects that bursts of
 * calls are made of. Fills at most max entries; returns their number. */
int calibrate_default_mix(uint64_t *sizes, uint64_t *weights, int max);

#endif
