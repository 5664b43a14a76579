/* try_stats.h: the interposer's counters. Each thread counts in its own block (no atomic
 * read-modify-write on the hot path); the blocks stay on a list and are summed at exit, when
 * the totals are appended as one line to the file named by ARENAPROF_TRY_STATS. */
#ifndef ARENAPROF_TRY_STATS_H
#define ARENAPROF_TRY_STATS_H

#include <stdatomic.h>
#include <stdint.h>

enum try_counter {
	TRY_CALLS, /* malloc-family calls that allocate */
	TRY_MATCHED, /* allocations of a chosen site (routed or not) */
	TRY_ROUTED, /* allocations served from arena memory */
	TRY_ROUTED_BYTES,
	TRY_ARENA_FREES, /* free() of arena objects */
	TRY_TOO_LARGE, /* a chosen site's allocation too large for a generation: malloc */
	TRY_FALLBACK, /* a chosen site's allocation the arena could not serve: malloc */
	TRY_REALLOC_MOVED, /* arena objects grown by realloc (copied) */
	TRY_NCOUNTERS
};

struct try_block {
	_Atomic uint64_t v[TRY_NCOUNTERS]; /* written by its thread only, read by the exit sum */
	atomic_int in_use;
	struct try_block *next;
};
extern _Thread_local struct try_block *try_mine __attribute__((tls_model("initial-exec")));

/* The calling thread's block, made on first use (NULL if out of memory). */
struct try_block *try_block_take(void);

/* Adds n to counter c of the calling thread: a plain load and store on the hot path. */
static inline void try_count(enum try_counter c, uint64_t n)
{
	struct try_block *b = try_mine;

	if (__builtin_expect(!b, 0) && !(b = try_block_take()))
		return;
	atomic_store_explicit(&b->v[c], atomic_load_explicit(&b->v[c], memory_order_relaxed) + n,
			      memory_order_relaxed);
}
/* The thread is exiting: its block may serve another thread (its counts stay in the sum). */
void try_stats_thread_exit(void);
/* After fork(), in the child: the parent's counts are not the child's. */
void try_stats_fork_child(void);
/* Appends the line to path (no malloc: snprintf into a stack buffer, write(2)). */
void try_stats_write(const char *path, int sites_listed, int sites_resolved);

#endif
