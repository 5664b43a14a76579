/* arena_memory.c: the memory an arena would hold. Per invocation of the scope (the sampled objects
 * grouped as for the bytes per invocation): malloc's peak live bytes (objects freed inside the
 * invocation give their memory back to malloc, which reuses it) against the sum an arena keeps
 * until the scope ends. Across invocations: the most live at once (their spans, first allocation
 * to last free, overlapping: threads, or nesting on one thread). The peak an arena holds is that
 * many invocations at the p99 bytes; the RSS change is that minus as many malloc peaks (p99). */
#define _POSIX_C_SOURCE 200809L
#include "arena_memory.h"

#include <stdlib.h>

#include "an_util.h"
#include "candidates_data.h"

struct mem_event {
	long long t, delta;
};

static int cmp_event(const void *pa, const void *pb)
{
	const struct mem_event *a = pa, *b = pb;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return (a->delta > b->delta) - (a->delta < b->delta); /* ends before starts at a tie */
}

static int cmp_ll(const void *pa, const void *pb)
{
	long long a = *(const long long *)pa, b = *(const long long *)pb;

	return (a > b) - (a < b);
}

static int cmp_dbl(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* The largest running sum of the events' deltas (sorted in place). */
static long long peak_of(struct mem_event *e, size_t n)
{
	long long live = 0, peak = 0;
	size_t i;

	qsort(e, n, sizeof(*e), cmp_event);
	for (i = 0; i < n; i++) {
		live += e[i].delta;
		if (live > peak)
			peak = live;
	}
	return peak;
}

static long long sat_mul(long long a, long long b)
{
	return (b > 0 && a > __LONG_LONG_MAX__ / b) ? __LONG_LONG_MAX__ : a * b;
}

void cand_arena_memory(const struct mem_obj *v, size_t n, long long bytes_p99,
		       struct cand_memory *m)
{
	struct mem_event *ev = an_malloc((2 * n + 1) * sizeof(*ev));
	struct mem_event *span = an_malloc((2 * n + 1) * sizeof(*span));
	long long *peak = an_malloc((n + 1) * sizeof(*peak));
	double *ratio = an_malloc((n + 1) * sizeof(*ratio));
	size_t i, j, k, ng = 0;

	for (i = 0; i < n; i = j) {
		long long sum = 0, first = v[i].alloc_ns, last = v[i].free_ns;

		for (j = i, k = 0; j < n && v[j].group == v[i].group; j++) {
			ev[k++] = (struct mem_event){ v[j].alloc_ns, v[j].bytes };
			ev[k++] = (struct mem_event){ v[j].free_ns, -v[j].bytes };
			sum += v[j].bytes;
			if (v[j].alloc_ns < first)
				first = v[j].alloc_ns;
			if (v[j].free_ns > last)
				last = v[j].free_ns;
		}
		peak[ng] = peak_of(ev, k);
		ratio[ng] = peak[ng] > 0 ? (double)sum / (double)peak[ng] : 1.0;
		span[2 * ng] = (struct mem_event){ first, 1 };
		span[2 * ng + 1] = (struct mem_event){ last, -1 };
		ng++;
	}
	m->present = ng > 0;
	if (ng > 0) {
		qsort(peak, ng, sizeof(*peak), cmp_ll);
		qsort(ratio, ng, sizeof(*ratio), cmp_dbl);
		m->invocations = (long long)ng;
		m->live_invocations = peak_of(span, 2 * ng);
		if (m->live_invocations < 1)
			m->live_invocations = 1;
		m->malloc_peak_p50 = cand_percentile(peak, ng, 50);
		m->malloc_peak_p99 = cand_percentile(peak, ng, 99);
		m->hold_ratio_p50 = ratio[((size_t)50 * ng + 99) / 100 - 1];
		m->arena_peak_bytes = sat_mul(bytes_p99, m->live_invocations);
		m->malloc_peak_bytes = sat_mul(m->malloc_peak_p99, m->live_invocations);
		m->rss_change_bytes = m->arena_peak_bytes - m->malloc_peak_bytes;
		m->warning = m->hold_ratio_p50 >= ARENA_HOLD_WARN_RATIO &&
			     m->rss_change_bytes >= ARENA_HOLD_WARN_BYTES;
	}
	free(ratio);
	free(peak);
	free(span);
	free(ev);
}
