/* calibrate_inplace.h: the arena's cost against malloc/free in place, not in a tight loop: the
 * recorded size mix replayed as scope invocations whose allocations are interleaved with other
 * work that walks a buffer larger than the caches, with the objects written and read like a
 * parser's nodes. The report's predicted saving subtracts the arena's cost measured this way
 * (docs/design.md "Predicted savings: the arena's cost in place"). */
#ifndef ARENAPROF_CALIBRATE_INPLACE_H
#define ARENAPROF_CALIBRATE_INPLACE_H

#include <stdint.h>

struct inplace_calibration {
	double malloc_free_ns; /* malloc + free per object, the other work subtracted */
	double arena_ns; /* arena allocation per object, arena_new/destroy per scope amortized */
	/* half the range of arena_ns / malloc_free_ns over the runs, relative to the median
	 * fraction: the uncertainty of the fraction */
	double spread;
};

/* sizes/weights: the size mix (n entries, weights = allocation counts). 0, or -1 when n is 0,
 * memory runs out or the measurement is not plausible (the allocation cost does not stand out
 * of the noise). Takes about 0.2 s. */
int calibrate_in_place(const uint64_t *sizes, const uint64_t *weights, int n,
		       struct inplace_calibration *out);

#endif
