/* percentile.c: the nearest-rank percentile of a sorted array, shared by the candidates' statistics
 * (candidates_stats.c, candidates_loop.c) and the arena memory model (arena_memory.c). */
#include "candidates_data.h"

long long cand_percentile(const long long *v, size_t n, int p)
{
	size_t rank = ((size_t)p * n + 99) / 100; /* ceil(p * n / 100), 1-based */

	return v[rank > 0 ? rank - 1 : 0];
}
