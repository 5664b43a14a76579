/* lifetimes.c: follows sampled objects from allocation to their end. At the end, the deepest
 * frame that is the same invocation in both stacks — same thread, same function, same canonical
 * frame address (CFA) — is the scope that encloses the object's whole life: the place for an
 * arena. Objects without one escape it. Each object becomes one objects row, with the CFAs of
 * both stacks kept so the inference can be redone. */
#include "lifetimes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "u64_map.h"

/* One side (allocation or end) of an object: its chain as the lifetime tracker needs it. */
struct side {
	int64_t stack_id;
	int n, depth;
	uint64_t *func, *cfa; /* per chain element */
	int *pos; /* per chain element: stack_frames position of its real frame */
	uint32_t tid;
	uint64_t ts;
	uint64_t inv; /* verified scope invocation, 0: none */
};

struct object {
	struct side alloc, end;
	const char *kind, *freed_by; /* static strings */
	uint64_t size;
	int scope_elem, end_scope_elem; /* -1: none */
	uint64_t censor_ts; /* censored when its free probe was removed (windowed), else 0 */
};

struct lifetimes {
	uint64_t t0;
	struct u64_map live; /* ptr -> struct object */
	struct object **ended;
	size_t n_ended, cap_ended;
	struct lifetimes_stats stats;
};

struct lifetimes *lifetimes_new(uint64_t t0_ns)
{
	struct lifetimes *lt = calloc(1, sizeof(*lt));

	if (lt)
		lt->t0 = t0_ns;
	return lt;
}

static void free_side(struct side *s)
{
	free(s->func);
	free(s->cfa);
	free(s->pos);
}

static void free_object(struct object *o)
{
	free_side(&o->alloc);
	free_side(&o->end);
	free(o);
}

void lifetimes_free(struct lifetimes *lt)
{
	if (!lt)
		return;
	U64_MAP_FOR_EACH(&lt->live, i)
	free_object(lt->live.vals[i]);
	u64_map_free(&lt->live);
	for (size_t i = 0; i < lt->n_ended; i++)
		free_object(lt->ended[i]);
	free(lt->ended);
	free(lt);
}

static int fill_side(struct side *s, const struct chain_info *ci, const uint64_t *cfa, uint32_t tid,
		     uint64_t ts)
{
	size_t n = ci->n > 0 ? (size_t)ci->n : 1;

	s->stack_id = ci->stack_id;
	s->n = ci->n;
	s->depth = ci->n > 0 ? ci->pos[ci->n - 1] + 1 : 0;
	s->tid = tid;
	s->ts = ts;
	s->func = malloc(n * sizeof(*s->func));
	s->cfa = malloc(n * sizeof(*s->cfa));
	s->pos = malloc(n * sizeof(*s->pos));
	if (!s->func || !s->cfa || !s->pos)
		return -ENOMEM;
	memcpy(s->func, ci->func, (size_t)ci->n * sizeof(*s->func));
	memcpy(s->cfa, cfa, (size_t)ci->n * sizeof(*s->cfa));
	memcpy(s->pos, ci->pos, (size_t)ci->n * sizeof(*s->pos));
	return 0;
}

static int push_ended(struct lifetimes *lt, struct object *o)
{
	if (lt->n_ended == lt->cap_ended) {
		size_t cap = lt->cap_ended ? lt->cap_ended * 2 : 1024;
		struct object **v = realloc(lt->ended, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		lt->ended = v;
		lt->cap_ended = cap;
	}
	lt->ended[lt->n_ended++] = o;
	return 0;
}

int lifetimes_alloc(struct lifetimes *lt, uint64_t ptr, const struct chain_info *ci,
		    const uint64_t *cfa, const char *kind, uint64_t size, uint32_t tid,
		    uint64_t ts_ns, uint64_t inv)
{
	struct object *o = calloc(1, sizeof(*o)), *old;

	if (!o || !ptr || fill_side(&o->alloc, ci, cfa, tid, ts_ns)) {
		if (o)
			free_object(o);
		return ptr ? -ENOMEM : 0;
	}
	o->alloc.inv = inv;
	o->kind = kind;
	o->size = size;
	o->scope_elem = o->end_scope_elem = -1;
	old = u64_map_get(&lt->live, ptr);
	if (old) { /* its end was not seen (lost record): keep it as censored */
		if (push_ended(lt, old))
			free_object(old);
		lt->stats.censored++;
	}
	if (u64_map_put(&lt->live, ptr, o)) {
		free_object(o);
		return -ENOMEM;
	}
	lt->stats.tracked++;
	return 0;
}

/* The deepest allocation frame that is the same invocation in the end's stack. */
static void infer_scope(struct object *o)
{
	const struct side *a = &o->alloc, *e = &o->end;

	if (a->tid != e->tid)
		return; /* another thread's stack: nothing in common */
	for (int i = 0; i < a->n; i++) {
		if (!a->cfa[i])
			continue;
		for (int j = 0; j < e->n; j++) {
			if (e->cfa[j] == a->cfa[i] && e->func[j] == a->func[i]) {
				o->scope_elem = i;
				o->end_scope_elem = j;
				return;
			}
		}
	}
}

int lifetimes_end(struct lifetimes *lt, uint64_t ptr, const struct chain_info *ci,
		  const uint64_t *cfa, uint32_t tid, uint64_t ts_ns, const char *freed_by,
		  uint64_t inv)
{
	struct object *o = ptr ? u64_map_get(&lt->live, ptr) : NULL;

	if (!o) {
		lt->stats.unknown_frees++;
		return 0;
	}
	u64_map_del(&lt->live, ptr);
	if (fill_side(&o->end, ci, cfa, tid, ts_ns) || push_ended(lt, o)) {
		free_object(o);
		return -ENOMEM;
	}
	o->freed_by = freed_by;
	o->end.inv = inv;
	infer_scope(o);
	lt->stats.freed++;
	lt->stats.scoped += o->scope_elem >= 0;
	return 0;
}

void lifetimes_censor_all(struct lifetimes *lt)
{
	U64_MAP_FOR_EACH(&lt->live, i)
	{
		struct object *o = lt->live.vals[i];

		if (push_ended(lt, o))
			free_object(o);
		lt->stats.censored++;
	}
	u64_map_free(&lt->live);
}

int lifetimes_censor_before(struct lifetimes *lt, uint64_t ts_ns, uint64_t censor_ns)
{
	uint64_t *keys;
	size_t n = 0;

	keys = malloc((lt->live.cap ? lt->live.cap : 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	U64_MAP_FOR_EACH(&lt->live, i)
	{
		struct object *o = lt->live.vals[i];

		if (o->alloc.ts <= ts_ns)
			keys[n++] = lt->live.keys[i];
	}
	for (size_t i = 0; i < n; i++) {
		struct object *o = u64_map_get(&lt->live, keys[i]);

		u64_map_del(&lt->live, keys[i]);
		o->censor_ts = censor_ns;
		if (push_ended(lt, o))
			free_object(o);
		lt->stats.censored++;
	}
	free(keys);
	return 0;
}

/* CFAs per stack position: each chain element's CFA over the positions of its frames. */
static uint64_t *cfas_by_pos(const struct side *s)
{
	uint64_t *v = calloc(s->depth > 0 ? (size_t)s->depth : 1, sizeof(*v));
	int from = 0;

	if (!v)
		return NULL;
	for (int i = 0; i < s->n; i++) {
		for (int p = from; p <= s->pos[i] && p < s->depth; p++)
			v[p] = s->cfa[i];
		from = s->pos[i] + 1;
	}
	return v;
}

static int write_object(struct lifetimes *lt, struct profile_writer *w, const struct object *o)
{
	uint64_t *acfa = cfas_by_pos(&o->alloc), *ecfa = NULL;
	struct pw_object_row row = {
		.alloc_stack_id = o->alloc.stack_id,
		.kind = o->kind,
		.size = o->size,
		.alloc_tid = o->alloc.tid,
		.alloc_ns = (int64_t)(o->alloc.ts - lt->t0),
		.alloc_cfas = acfa,
		.alloc_depth = o->alloc.depth,
		.alloc_inv = o->alloc.inv,
		.freed_by = o->freed_by,
		.scope_pos = o->scope_elem >= 0 ? o->alloc.pos[o->scope_elem] : -1,
		.free_scope_pos = o->end_scope_elem >= 0 ? o->end.pos[o->end_scope_elem] : -1,
	};
	int rc;

	if (o->freed_by) {
		ecfa = cfas_by_pos(&o->end);
		row.free_stack_id = o->end.stack_id;
		row.free_tid = o->end.tid;
		row.free_ns = (int64_t)(o->end.ts - lt->t0);
		row.free_cfas = ecfa;
		row.free_depth = o->end.depth;
		row.free_inv = o->end.inv;
	} else if (o->censor_ts) {
		row.free_ns = (int64_t)(o->censor_ts - lt->t0);
	}
	rc = acfa && (!o->freed_by || ecfa) ? pw_object(w, &row) : -1;
	free(acfa);
	free(ecfa);
	return rc;
}

int lifetimes_flush(struct lifetimes *lt, struct profile_writer *w)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < lt->n_ended && !rc; i++)
		rc = write_object(lt, w, lt->ended[i]);
	for (size_t k = 0; k < lt->n_ended; k++)
		free_object(lt->ended[k]);
	lt->n_ended = 0;
	return rc;
}

void lifetimes_stats(const struct lifetimes *lt, struct lifetimes_stats *out)
{
	*out = lt->stats;
}
