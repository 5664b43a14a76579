/* try_sites.h: the call sites `arenaprof try` routes into arena memory, as absolute return
 * addresses. The CLI writes them as (depth, file offset, module path) lines; at start-up they are
 * turned into addresses through /proc/self/maps and kept in a fixed-size hash set, so the hot path
 * (every malloc call) is a few loads and no allocation. */
#ifndef ARENAPROF_TRY_SITES_H
#define ARENAPROF_TRY_SITES_H

#include <stddef.h>
#include <stdint.h>

/* At most this many return addresses (the hash set has twice as many slots). */
#define TRY_MAX_SITES 4096
/* Frames walked at most, the malloc caller's included. */
#define TRY_MAX_DEPTH 16

/* Reads the sites file at path and resolves it against this process's mappings. Uses no malloc
 * (read(2) into fixed buffers). Returns the number of addresses resolved (0 on any error);
 * *listed is the number of lines read. */
int try_sites_load(const char *path, int *listed);

/* Frames to look at: 1 = only malloc's caller; more when a site is behind a wrapper. */
extern int try_sites_depth;
extern int try_sites_count;

/* Whether addr is one of the sites' return addresses. */
int try_sites_has(uintptr_t addr);

#endif
