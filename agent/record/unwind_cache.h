/* unwind_cache.h: remembers, per probe address, where the return addresses of its last call
 * chains sat in the stack snapshot, and reuses a chain when a new snapshot holds the same return
 * addresses at the same places; libunwind (unwind_dwarf) runs only on a miss. */
#ifndef ARENAPROF_UNWIND_CACHE_H
#define ARENAPROF_UNWIND_CACHE_H

#include <stdint.h>

#include "unwind_dwarf.h"

struct unwind_cache;

struct unwind_cache *unwind_cache_new(struct unwinder *u, struct target_space *ts);
void unwind_cache_free(struct unwind_cache *c);
/* As unwind_dwarf_sp (sps may be NULL; max <= 256); *truncated as unwinder_last_truncated. */
int unwind_cached(struct unwind_cache *c, const struct stack_snapshot *s, uint64_t *ips,
		  uint64_t *sps, int max, int *truncated);
void unwind_cache_stats(const struct unwind_cache *c, uint64_t *hits, uint64_t *misses);

#endif
