/* free_walk.c: the free walk of each candidate: the CPU of the code that exists only to free its
 * objects (a recursive free_tree), which the arena makes unnecessary when the caller also
 * deletes it. It is the candidate's free path function (the most common function calling free
 * on its objects) when that function neither is the scope function nor allocates any of its
 * objects, and its CPU is that function's own samples (innermost user frame) that are not
 * allocator work. The prediction's "if you also delete the free walk" adds it (savings.c). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "an_util.h"
#include "candidates_data.h"
#include "cpu_share.h"
#include "cpu_stacks.h"

/* The candidate's free path function, when it is a walk by the rule above; else NULL. */
static const char *walk_function(const struct an_candidate *c)
{
	size_t i;

	if (!c->is_scope || !c->has_prediction || !c->free_function)
		return NULL;
	if (c->has_scope && !strcmp(c->scope.function, c->free_function))
		return NULL;
	for (i = 0; i < c->nsites; i++)
		if (!strcmp(c->sites[i]->function, c->free_function))
			return NULL;
	return c->free_function;
}

/* The innermost user frame's function of a stack, NULL when it has none. */
static const char *leaf_function(const struct cpu_profile *p, const struct cpu_stack *s)
{
	uint32_t pos;

	for (pos = 0; pos < s->len; pos++) {
		const struct cpu_frame *f = cpu_stack_frame(p, s, pos);

		if (f && !f->kernel)
			return f->function;
	}
	return NULL;
}

int cand_free_walks(sqlite3 *db, const char *path, struct an_candidates *out)
{
	struct cpu_profile p;
	size_t i, k, nwalk = 0;

	for (k = 0; k < out->n; k++)
		nwalk += walk_function(&out->v[k]) != NULL;
	if (nwalk == 0)
		return 0;
	if (cpu_profile_load(db, path, &p))
		return -1;
	for (i = 0; i < p.nstacks; i++) {
		const struct cpu_stack *s = &p.stacks[i];
		struct cpu_verdict v;
		const char *leaf;

		cpu_classify(&p, s, &v);
		if (v.cls != CPU_OTHER || !(leaf = leaf_function(&p, s)))
			continue;
		for (k = 0; k < out->n; k++) {
			const char *w = walk_function(&out->v[k]);

			if (w && !strcmp(w, leaf))
				out->v[k].pred_in.walk_samples += (double)s->samples;
		}
	}
	cpu_profile_free(&p);
	for (k = 0; k < out->n; k++) {
		struct an_candidate *c = &out->v[k];

		if (c->pred_in.walk_samples > 0) {
			c->walk_function = an_strdup(c->free_function);
			savings_compute(&c->pred_in, &c->pred);
		}
	}
	return 0;
}
