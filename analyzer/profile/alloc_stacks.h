/* alloc_stacks.h: the allocation statistics of a profile in memory: one entry per alloc_stats row
 * (stack, allocator function, allocations, bytes) with its stack's frame ids, innermost (pos 0)
 * first, read by one query for every output that draws allocation stacks (`folded`, `pprof`,
 * the HTML report's flame graphs). */
#ifndef ARENAPROF_ALLOC_STACKS_H
#define ARENAPROF_ALLOC_STACKS_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* A frame id that was NULL: the one row of a stack without any frame. */
#define AN_NULL_FRAME_ID INT64_MIN

struct an_alloc_row {
	long long stack_id;
	char *kind; /* alloc_stats.kind; NULL when NULL */
	long long allocs, bytes;
	size_t start; /* into frame_ids */
	uint32_t len;
};

struct an_alloc_stacks {
	struct an_alloc_row *v; /* by stack id, then kind */
	size_t n;
	long long *frame_ids; /* frames.id, or AN_NULL_FRAME_ID */
	size_t nframe_ids;
};

/* Reads every alloc_stats row with its stack. 0, or -1 after an error message naming path
 * (nothing to free then). */
int an_alloc_stacks_load(sqlite3 *db, const char *path, struct an_alloc_stacks *s);
void an_alloc_stacks_free(struct an_alloc_stacks *s);

#endif
