/* pprof.h: `arenaprof pprof`: a profile database as a gzipped pprof profile
 * (perftools.profiles.Profile), the format Go's pprof, Pyroscope, Parca and Grafana ingest. */
#ifndef ARENAPROF_PPROF_H
#define ARENAPROF_PPROF_H

#include <sqlite3.h>

#include "pprof_profile.h"

enum pprof_metric {
	PPROF_ALLOCS_AND_BYTES, /* the default: alloc_objects/count and alloc_space/bytes */
	PPROF_ALLOCS, /* alloc_objects/count */
	PPROF_BYTES, /* alloc_space/bytes */
	PPROF_CPU, /* samples/count and cpu/nanoseconds: every CPU sample */
	PPROF_ALLOC_CPU, /* the same, only the samples of allocator work (cpu_share.h) */
};

/* Reads the profile into out (pprof_load.c): header from meta, samples (pprof_samples.c).
 * 0, or -1 after an error message naming path. */
int pprof_load(sqlite3 *db, const char *path, enum pprof_metric metric, struct pprof_profile *out);

/* Encodes p, gzips it and writes it to path (pprof_write.c): through a temporary file in the
 * same directory renamed over path, so that a failure leaves no partial file; "-" is stdout.
 * 0, or -1 after an error message. */
int pprof_write(const struct pprof_profile *p, const char *path);

#endif
