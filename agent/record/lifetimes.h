/* lifetimes.h: follows sampled objects from allocation to free (or realloc, or the end of the
 * recording), infers the frame invocation that encloses each object's life (its scope), and
 * writes one objects row per object. */
#ifndef ARENAPROF_LIFETIMES_H
#define ARENAPROF_LIFETIMES_H

#include <stdint.h>

#include "profile_writer.h"
#include "stack_store.h"

struct lifetimes;

/* t0_ns: the arming time on the clock of the records (CLOCK_MONOTONIC). */
struct lifetimes *lifetimes_new(uint64_t t0_ns);
void lifetimes_free(struct lifetimes *lt);

/* A followed allocation at ptr: its stored chain and each chain element's CFA (0 = unknown). */
/* inv: the verified scope invocation active at the allocation (0: none). */
int lifetimes_alloc(struct lifetimes *lt, uint64_t ptr, const struct chain_info *ci,
		    const uint64_t *cfa, const char *kind, uint64_t size, uint32_t tid,
		    uint64_t ts_ns, uint64_t inv);
/* The end of the object at ptr (free or realloc), with the chain and CFAs of the call that ended
 * it. An unknown ptr is counted and ignored. */
int lifetimes_end(struct lifetimes *lt, uint64_t ptr, const struct chain_info *ci,
		  const uint64_t *cfa, uint32_t tid, uint64_t ts_ns, const char *freed_by,
		  uint64_t inv);
/* Ends every object still live, as censored (at the end of the recording). */
void lifetimes_censor_all(struct lifetimes *lt);
/* Ends the objects allocated at or before ts_ns that are still live, as censored at censor_ns:
 * their free probe is gone (the end of an overhead-budget window's tail); the objects row keeps
 * censor_ns as free_ns with freed_by NULL. 0, or -ENOMEM. */
int lifetimes_censor_before(struct lifetimes *lt, uint64_t ts_ns, uint64_t censor_ns);
/* Writes the objects ended since the last flush (within the caller's transaction). */
int lifetimes_flush(struct lifetimes *lt, struct profile_writer *w);

struct lifetimes_stats {
	uint64_t tracked, freed, censored, scoped, unknown_frees;
};
void lifetimes_stats(const struct lifetimes *lt, struct lifetimes_stats *out);

#endif
