/* arena_memory.h: what an arena would hold against what malloc holds (arena_memory.c; formulas
 * in analyzer/README.md, "Memory an arena holds"). */
#ifndef ARENAPROF_ARENA_MEMORY_H
#define ARENAPROF_ARENA_MEMORY_H

#include <stddef.h>
#include <stdint.h>

/* Warn when an arena would hold this many times malloc's peak inside an invocation (p50)... */
#define ARENA_HOLD_WARN_RATIO 4.0
/* ...and the extra memory at the peak is at least this many bytes (below, the ratio of small
 * numbers is no memory problem). */
#define ARENA_HOLD_WARN_BYTES (1024LL * 1024)

struct cand_memory {
	int present;
	long long invocations; /* invocations seen (groups of sampled objects) */
	long long live_invocations; /* the most invocations live at once (threads, nesting) */
	long long malloc_peak_p50, malloc_peak_p99; /* peak live bytes inside an invocation */
	double hold_ratio_p50; /* per invocation: bytes allocated / malloc's peak live bytes */
	long long arena_peak_bytes; /* live_invocations x bytes per invocation p99 */
	long long malloc_peak_bytes; /* live_invocations x malloc_peak_p99 */
	long long rss_change_bytes; /* arena_peak_bytes - malloc_peak_bytes */
	int warning; /* hold ratio and extra bytes over the limits above */
	/* seen through overhead-budget windows (meta mode windowed), which can cut an invocation
	 * at their edges: the bytes per invocation and the peaks are likely low
	 * (docs/predictions.md) */
	int windows_cut;
};

/* One sampled object of an invocation: its group key (invocation), times and scaled size. */
struct mem_obj {
	size_t group; /* invocation number, objects of one invocation contiguous */
	long long alloc_ns, free_ns, bytes; /* bytes: size x track_every */
};

/* Fills m from the objects v[0..n) (grouped by invocation, ascending group) and the bytes per
 * invocation p99 (bytes_p99). */
void cand_arena_memory(const struct mem_obj *v, size_t n, long long bytes_p99,
		       struct cand_memory *m);

#endif
