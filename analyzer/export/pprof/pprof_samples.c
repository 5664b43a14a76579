/* pprof_samples.c: the samples of a pprof profile. Allocations: one sample per (stack, allocator
 * function) of alloc_stats, the allocator function (kind) as the leaf frame, as in `folded`.
 * CPU: one sample per cpu_stats stack, kernel frames innermost; for alloc-cpu only the stacks
 * that cpu_classify (cpu_share.c) finds to be allocator work. */
#define _POSIX_C_SOURCE 200809L
#include "pprof_samples.h"

#include <stdlib.h>
#include <string.h>

#include "alloc_stacks.h"
#include "an_util.h"
#include "cpu_share.h"

struct ids {
	long long *v;
	size_t n, cap;
};

static void push_id(struct ids *ids, long long id)
{
	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? ids->cap * 2 : 256;
		ids->v = an_realloc(ids->v, ids->cap * sizeof(*ids->v));
	}
	ids->v[ids->n++] = id;
}

/* A sample of these frames (innermost first) under the leaf function leaf (NULL: none). Samples
 * whose values are all 0 (malloc(0) with --metric bytes) are left out. */
static void add_sample(struct pprof_profile *p, struct pprof_frames *fr, const char *leaf,
		       const struct ids *ids, const int64_t *values)
{
	size_t n;
	int i, zero = 1;

	for (i = 0; i < p->nvalues; i++)
		zero &= values[i] == 0;
	if (zero)
		return;
	n = pprof_stack(p, fr, leaf ? pprof_named_location(p, leaf) : 0, ids->v, ids->n);
	pprof_sample(p, fr->locs, (uint32_t)n, values);
}

int pprof_alloc_samples(sqlite3 *db, const char *path, enum pprof_metric metric,
			struct pprof_profile *p, struct pprof_frames *fr)
{
	struct an_alloc_stacks s;
	struct ids ids = { 0 };
	long long cur_stack = 0;
	const char *cur_kind = NULL;
	int64_t values[PPROF_MAX_VALUES] = { 0 };
	size_t i, k;

	if (an_alloc_stacks_load(db, path, &s))
		return -1;
	for (i = 0; i < s.n; i++) {
		const struct an_alloc_row *r = &s.v[i];
		const char *kind = r->kind && *r->kind ? r->kind : "[unknown]";

		/* one sample per (stack, allocator function), frames innermost first */
		if (!cur_kind || r->stack_id != cur_stack || strcmp(kind, cur_kind) != 0) {
			if (cur_kind)
				add_sample(p, fr, cur_kind, &ids, values);
			cur_kind = kind;
			cur_stack = r->stack_id;
			ids.n = 0;
			values[0] = metric == PPROF_BYTES ? r->bytes : r->allocs;
			values[1] = metric == PPROF_ALLOCS_AND_BYTES ? r->bytes : 0;
		}
		for (k = 0; k < r->len; k++)
			if (s.frame_ids[r->start + k] != AN_NULL_FRAME_ID)
				push_id(&ids, s.frame_ids[r->start + k]);
	}
	if (cur_kind)
		add_sample(p, fr, cur_kind, &ids, values);
	an_alloc_stacks_free(&s);
	free(ids.v);
	return 0;
}

/* samples * 1e9 / freq, rounded, without overflowing before the result does; -1 if it does. */
int pprof_cpu_nanos(long long samples, long long freq, int64_t *ns)
{
	long long whole, part;

	if (freq <= 0 || freq > 1000000000LL || samples < 0 ||
	    __builtin_mul_overflow(samples / freq, 1000000000LL, &whole))
		return -1;
	part = (samples % freq * 1000000000LL + freq / 2) / freq;
	if (__builtin_add_overflow(whole, part, &whole))
		return -1;
	*ns = whole;
	return 0;
}

int pprof_cpu_samples(sqlite3 *db, const char *path, int alloc_only, long long freq,
		      struct pprof_profile *p, struct pprof_frames *fr)
{
	struct cpu_profile cp;
	struct cpu_verdict v;
	struct ids ids = { 0 };
	size_t i;
	uint32_t pos;

	if (cpu_profile_load(db, path, &cp))
		return -1;
	for (i = 0; i < cp.nstacks; i++) {
		const struct cpu_stack *s = &cp.stacks[i];
		int64_t values[PPROF_MAX_VALUES] = { s->samples, 0 };

		if (alloc_only) {
			cpu_classify(&cp, s, &v);
			if (!cpu_is_allocator(v.cls))
				continue;
		}
		if (p->nvalues > 1 && pprof_cpu_nanos(s->samples, freq, &values[1])) {
			an_err("%s: CPU time overflows", path);
			cpu_profile_free(&cp);
			free(ids.v);
			return -1;
		}
		ids.n = 0;
		for (pos = 0; pos < s->len; pos++) {
			const struct cpu_frame *f = cpu_stack_frame(&cp, s, pos);

			push_id(&ids, f ? f->id : PPROF_NO_FRAME);
		}
		add_sample(p, fr, NULL, &ids, values);
	}
	cpu_profile_free(&cp);
	free(ids.v);
	return 0;
}
