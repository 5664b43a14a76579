/* pprof_samples.h: a profile database's allocation and CPU samples as pprof samples
 * (pprof_samples.c). */
#ifndef ARENAPROF_PPROF_SAMPLES_H
#define ARENAPROF_PPROF_SAMPLES_H

#include <stdint.h>
#include <sqlite3.h>

#include "pprof.h"
#include "pprof_frames.h"

/* alloc_stats as samples with the values of metric (PPROF_ALLOCS_AND_BYTES, PPROF_ALLOCS or
 * PPROF_BYTES). 0, or -1 after an error message. */
int pprof_alloc_samples(sqlite3 *db, const char *path, enum pprof_metric metric,
			struct pprof_profile *p, struct pprof_frames *fr);
/* cpu_stats as samples: samples, and CPU nanoseconds at freq Hz when p->nvalues is 2; only
 * allocator work when alloc_only. 0, or -1 after an error message. */
int pprof_cpu_samples(sqlite3 *db, const char *path, int alloc_only, long long freq,
		      struct pprof_profile *p, struct pprof_frames *fr);
/* samples * 1e9 / freq rounded to the nearest nanosecond; -1 on overflow or a bad freq. */
int pprof_cpu_nanos(long long samples, long long freq, int64_t *ns);

#endif
