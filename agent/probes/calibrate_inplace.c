/* calibrate_inplace.c: the arena's cost against malloc/free in place (calibrate_inplace.h).
 * Each scope invocation allocates SCOPE_OBJECTS objects drawn from the recorded size mix; after
 * each allocation the object is written and WORK_LINES random cache lines of a WORK_BYTES buffer
 * are read and written (the program's other work, which evicts the allocator's lines from the
 * first-level cache); at the end every object is read again and released (free one by one in
 * allocation order, or arena_destroy). Three variants run one after the other, SCOPES
 * invocations each, in an order rotating from run to run: malloc/free, the bundled arena
 * (arena_new per scope, like a request arena), and a baseline whose objects are carved from a
 * preallocated pool without any call. Not interleaved scope by scope: the arena's 16 KiB
 * malloc would then pay for consolidating the small chunks the malloc variant just freed into
 * glibc's fastbins (measured here: 10 ns an arena object interleaved, 3 ns in blocks). The
 * allocator's cost is each variant's CPU time minus the baseline's. A separate function from
 * calibrate.c (the tight loop, still used for the per-call cost). */
#define _GNU_SOURCE
#include "calibrate_inplace.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"

#define SCOPE_OBJECTS 128 /* objects per scope invocation (a parsed request: ~100) */
#define SCOPES 300 /* scope invocations per variant and run */
#define RUNS 7 /* the median of: the machine is shared and noisy */
#define WORK_BYTES (1u << 20) /* larger than L1 and L2 of the machines here, within L3 */
#define WORK_LINES 4 /* cache lines of other work per allocation (about 40 ns) */
#define MAX_OBJECT (64u << 10) /* larger objects are replayed at this size (the writes) */
#define FIRST_CHUNK ((size_t)16 << 10) /* the arena's first chunk, a request arena's */
#define NSIZES 4096 /* the replayed sequence of sizes */

enum variant { V_BASE, V_MALLOC, V_ARENA, NVARIANTS };

struct replay {
	size_t size[NSIZES];
	size_t pos; /* next size */
	unsigned char *work;
	uint64_t work_at, sink;
	unsigned char *pool; /* V_BASE: the objects' memory */
	void *obj[SCOPE_OBJECTS];
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: a preempted run is not slower */
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* NSIZES sizes drawn at random (deterministic) from the mix in proportion to the weights. */
static void draw_sizes(const uint64_t *sizes, const uint64_t *weights, int n, size_t *out)
{
	uint64_t total = 0;

	for (int i = 0; i < n; i++)
		total += weights[i];
	for (int b = 0; b < NSIZES; b++) {
		uint64_t pick = total ? mix64((uint64_t)b + 1) % total : 0, acc = 0;
		int k = 0;

		while (k + 1 < n && acc + weights[k] <= pick)
			acc += weights[k++];
		out[b] = sizes[k] ? (size_t)sizes[k] : 1;
		if (out[b] > MAX_OBJECT)
			out[b] = MAX_OBJECT;
	}
}

/* The program's other work between two allocations. */
static void other_work(struct replay *r)
{
	for (int k = 0; k < WORK_LINES; k++) {
		size_t line;

		r->work_at = mix64(r->work_at + 1);
		line = (size_t)(r->work_at % (WORK_BYTES / 64));
		r->sink += r->work[line * 64]++;
	}
}

/* One scope invocation of variant v; its CPU time in ns. */
static double scope(struct replay *r, enum variant v)
{
	struct arena *a = NULL;
	size_t pool_at = 0;
	double t0 = now_ns();

	if (v == V_ARENA && !(a = arena_new(FIRST_CHUNK)))
		return -1;
	for (int i = 0; i < SCOPE_OBJECTS; i++) {
		size_t size = r->size[r->pos++ % NSIZES];
		void *p;

		if (v == V_MALLOC)
			p = malloc(size);
		else if (v == V_ARENA)
			p = arena_alloc(a, size);
		else {
			p = r->pool + pool_at;
			pool_at += (size + 15) & ~(size_t)15;
		}
		if (!p) {
			arena_destroy(a);
			return -1;
		}
		memset(p, i, size);
		r->obj[i] = p;
		other_work(r);
	}
	for (int i = 0; i < SCOPE_OBJECTS; i++) {
		r->sink += *(volatile unsigned char *)r->obj[i];
		if (v == V_MALLOC)
			free(r->obj[i]);
	}
	arena_destroy(a);
	return now_ns() - t0;
}

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

int calibrate_in_place(const uint64_t *sizes, const uint64_t *weights, int n,
		       struct inplace_calibration *out)
{
	struct replay *r;
	double m[RUNS], a[RUNS], f[RUNS];
	int rc = -1;

	if (n <= 0 || !(r = calloc(1, sizeof(*r))))
		return -1;
	draw_sizes(sizes, weights, n, r->size);
	r->work = calloc(1, WORK_BYTES);
	r->pool = malloc((size_t)SCOPE_OBJECTS * (MAX_OBJECT + 16));
	if (!r->work || !r->pool)
		goto out;
	for (int run = 0; run < RUNS; run++) {
		double t[NVARIANTS] = { 0 };

		for (int k = 0; k < NVARIANTS; k++) {
			enum variant v = (enum variant)((run + k) % NVARIANTS);

			for (int s = 0; s < SCOPES; s++) {
				double ns = scope(r, v);

				if (ns < 0)
					goto out;
				t[v] += ns;
			}
		}
		m[run] = (t[V_MALLOC] - t[V_BASE]) / (SCOPES * SCOPE_OBJECTS);
		a[run] = (t[V_ARENA] - t[V_BASE]) / (SCOPES * SCOPE_OBJECTS);
		if (a[run] < 0) /* the arena within the noise of the baseline */
			a[run] = 0;
		f[run] = m[run] > 0 ? a[run] / m[run] : 1;
	}
	qsort(m, RUNS, sizeof(*m), cmp_double);
	qsort(a, RUNS, sizeof(*a), cmp_double);
	qsort(f, RUNS, sizeof(*f), cmp_double);
	out->malloc_free_ns = m[RUNS / 2];
	out->arena_ns = a[RUNS / 2];
	/* the half range of the middle five runs (the extremes are a preemption or a cold start) */
	out->spread = f[RUNS / 2] > 0 ? (f[RUNS - 2] - f[1]) / 2 / f[RUNS / 2] : 1;
	/* plausible: malloc/free stands out of the noise and costs more than the arena */
	if (out->malloc_free_ns > 1 && out->arena_ns < out->malloc_free_ns)
		rc = 0;
out:
	free(r->pool);
	free(r->work);
	free(r);
	return rc;
}
