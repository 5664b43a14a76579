/* arena_peak.c: the wrappers arena_peak.h redirects a program's arena_new, arena_destroy and
 * arena_reset to. At exit it prints to stderr "arena_peak: used_max=B live_used_max=B
 * live_arenas_max=N used_p50=B used_p99=B releases=N": the most bytes one arena handed out before it was reset or destroyed, the
 * most bytes handed out by every live arena at once (sampled at each reset/destroy: a lower
 * bound of the true peak), and the most arenas live at once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static size_t used_max, live_arenas, live_arenas_max, live_used_max;
static size_t live_used; /* bytes of the arenas being released, added at each release */
static int registered;

static size_t *useds, nused, capused; /* every release's bytes in use, for the percentiles */

static int cmp_size(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	return (a > b) - (a < b);
}

/* nearest rank, as the analyzer's percentiles */
static size_t pct(int p)
{
	size_t rank = ((size_t)p * nused + 99) / 100;

	return nused ? useds[rank > 0 ? rank - 1 : 0] : 0;
}

static void report(void)
{
	qsort(useds, nused, sizeof(*useds), cmp_size);
	fprintf(stderr,
		"arena_peak: used_max=%zu live_used_max=%zu live_arenas_max=%zu used_p50=%zu "
		"used_p99=%zu releases=%zu\n",
		used_max, live_used_max, live_arenas_max, pct(50), pct(99), nused);
}

struct arena *arena_peak_new(size_t first);
void arena_peak_destroy(struct arena *a);
void arena_peak_reset(struct arena *a);

struct arena *arena_peak_new(size_t first)
{
	pthread_mutex_lock(&lock);
	if (!registered++)
		atexit(report);
	if (++live_arenas > live_arenas_max)
		live_arenas_max = live_arenas;
	pthread_mutex_unlock(&lock);
	return arena_new(first);
}

static void note(struct arena *a, int destroyed)
{
	struct arena_stats s;

	arena_stats(a, &s);
	pthread_mutex_lock(&lock);
	if (s.bytes_used > used_max)
		used_max = s.bytes_used;
	if (nused == capused) {
		size_t *n = realloc(useds, (capused ? 2 * capused : 4096) * sizeof(*n));

		if (n) {
			useds = n;
			capused = capused ? 2 * capused : 4096;
		}
	}
	if (nused < capused)
		useds[nused++] = s.bytes_used;
	/* this arena at its end plus, roughly, as many others as are live */
	live_used = s.bytes_used * live_arenas;
	if (live_used > live_used_max)
		live_used_max = live_used;
	if (destroyed)
		live_arenas--;
	pthread_mutex_unlock(&lock);
}

void arena_peak_destroy(struct arena *a)
{
	if (a)
		note(a, 1);
	arena_destroy(a);
}

void arena_peak_reset(struct arena *a)
{
	if (a)
		note(a, 0);
	arena_reset(a);
}
