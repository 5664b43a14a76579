/* try_stats.h: the interposer's counters. Each thread counts in its own block (no atomic
 * read-modify-write on the hot path); the blocks stay on a list and are summed at exit, when
 * the totals are appended as one line to the file named by ARENAPROF_TRY_STATS. */
#ifndef ARENAPROF_TRY_STATS_H
#define ARENAPROF_TRY_STATS_H

#include <stdint.h>

enum try_counter {
	TRY_CALLS, /* malloc-family calls that allocate */
	TRY_ROUTED, /* allocations served from arena memory */
	TRY_ROUTED_BYTES,
	TRY_ARENA_FREES, /* free() of arena objects */
	TRY_TOO_LARGE, /* a chosen site's allocation too large for a generation: malloc */
	TRY_FALLBACK, /* a chosen site's allocation the arena could not serve: malloc */
	TRY_REALLOC_MOVED, /* arena objects grown by realloc (copied) */
	TRY_NCOUNTERS
};

/* Adds n to counter c of the calling thread (its block is made on first use). */
void try_count(enum try_counter c, uint64_t n);
/* The thread is exiting: its block may serve another thread (its counts stay in the sum). */
void try_stats_thread_exit(void);
/* After fork(), in the child: the parent's counts are not the child's. */
void try_stats_fork_child(void);
/* Appends the line to path (no malloc: snprintf into a stack buffer, write(2)). */
void try_stats_write(const char *path, int sites_listed, int sites_resolved);

#endif
