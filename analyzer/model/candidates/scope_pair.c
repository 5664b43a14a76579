/* scope_pair.c: which frame of a sampled object's allocation stack is the same invocation in its
 * free stack (the object's scope frame), computed by the analyzer from the stacks and the CFAs
 * the agent stored, instead of the agent's objects.scope_pos.
 *
 * The agent pairs a frame only when its function is the same on both paths and its CFA is
 * equal. A stripped function has no name: each frame is named `module+0xPC`, so a stripped
 * main (jq, xmllint's parseAndPrintFile) has different names at its two calls and the pair
 * falls one frame out, to __libc_start_call_main or main. Here two frames with equal CFAs are
 * also the same invocation when both are unnamed (`module+0x…`) and the frames that called them
 * are the same frame (same module and return address: one call instruction, so one callee)
 * with equal CFAs. Two different
 * functions called one after the other from one caller (the same CFA) are still told apart:
 * their return addresses differ. docs/design.md, "Loop-iteration scopes". */
#define _POSIX_C_SOURCE 200809L
#include "scope_pair.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "name_table.h"

struct sp_stack {
	long long id;
	uint32_t start, len;
};

struct scope_pair {
	struct sp_stack *stacks; /* by id, ascending */
	size_t nstacks;
	long long *frame; /* frames.id at each position, -1: none */
	uint32_t *fn; /* function and module, interned; UINT32_MAX: none */
	unsigned char *stripped; /* no symbol: named `module+0xPC` */
	struct name_table fns;
	long long *indirect; /* frames.id of the call instructions seen calling two functions */
	size_t nindirect;
};

static const char stacks_sql[] =
	"SELECT sf.stack_id, sf.pos, sf.frame_id, f.function, f.module_id, m.path FROM stack_frames sf "
	"LEFT JOIN frames f ON f.id = sf.frame_id LEFT JOIN modules m ON m.id = f.module_id "
	"WHERE sf.stack_id IN (SELECT alloc_stack_id FROM objects UNION "
	"SELECT free_stack_id FROM objects) ORDER BY sf.stack_id, sf.pos";

static int cmp_stack(const void *pk, const void *pe)
{
	long long k = *(const long long *)pk, id = ((const struct sp_stack *)pe)->id;

	return (k > id) - (k < id);
}

static const struct sp_stack *find(const struct scope_pair *sp, long long id)
{
	if (!sp->nstacks)
		return NULL;
	return bsearch(&id, sp->stacks, sp->nstacks, sizeof(*sp->stacks), cmp_stack);
}

static uint32_t intern_fn(struct scope_pair *sp, const char *function, long long module)
{
	char *key;
	size_t n;
	uint32_t id;

	if (!function)
		return UINT32_MAX;
	n = strlen(function) + 32;
	key = an_malloc(n);
	n = (size_t)snprintf(key, n, "%s\x1f%lld", function, module);
	id = name_table_intern(&sp->fns, key, n);
	free(key);
	return id;
}

/* A frame without a symbol: the agent names it `<module file name>+0x<offset>`. */
static int unnamed(const char *function, const char *module)
{
	const char *base = module ? strrchr(module, '/') : NULL;
	size_t n;

	if (!function || !module)
		return 0;
	base = base ? base + 1 : module;
	n = strlen(base);
	return strncmp(function, base, n) == 0 && strncmp(function + n, "+0x", 3) == 0;
}

static int load(sqlite3 *db, const char *path, struct scope_pair *sp)
{
	size_t cap = 0, fcap = 0, nframes = 0;
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "object stacks", stacks_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0), pos = sqlite3_column_int64(st, 1);
		struct sp_stack *s = sp->nstacks ? &sp->stacks[sp->nstacks - 1] : NULL;

		if (pos < 0 || pos > 100000)
			continue; /* not a position a stack can have */
		if (!s || s->id != id) {
			if (sp->nstacks == cap) {
				cap = cap ? cap * 2 : 256;
				sp->stacks = an_realloc(sp->stacks, cap * sizeof(*sp->stacks));
			}
			s = &sp->stacks[sp->nstacks++];
			s->id = id;
			s->start = (uint32_t)nframes;
			s->len = 0;
		}
		while (s->len <= (uint32_t)pos) { /* gaps: no frame */
			if (nframes == fcap) {
				fcap = fcap ? fcap * 2 : 1024;
				sp->frame = an_realloc(sp->frame, fcap * sizeof(*sp->frame));
				sp->fn = an_realloc(sp->fn, fcap * sizeof(*sp->fn));
				sp->stripped = an_realloc(sp->stripped, fcap);
			}
			sp->frame[nframes] = -1;
			sp->stripped[nframes] = 0;
			sp->fn[nframes++] = UINT32_MAX;
			s->len++;
		}
		sp->frame[s->start + pos] = sqlite3_column_int64(st, 2);
		sp->stripped[s->start + pos] = unnamed((const char *)sqlite3_column_text(st, 3),
						       (const char *)sqlite3_column_text(st, 5));
		sp->fn[s->start + pos] =
			sqlite3_column_type(st, 3) == SQLITE_NULL ?
				UINT32_MAX :
				intern_fn(sp, (const char *)sqlite3_column_text(st, 3),
					  sqlite3_column_int64(st, 4));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "object stacks");
		return -1;
	}
	return 0;
}

static uint64_t cfa(const unsigned char *b, int nbytes, uint32_t pos)
{
	uint64_t v = 0;

	if (!b || pos >= (uint32_t)(nbytes / 8))
		return 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | b[pos * 8 + i]; /* little-endian u64 */
	return v;
}

struct side {
	const struct sp_stack *s;
	const unsigned char *cfas;
	int nbytes;
};

/* Frames i (allocation) and j (free), whose CFAs are equal and not 0: one invocation? */
static int same_invocation(const struct scope_pair *sp, const struct side *a, uint32_t i,
			   const struct side *f, uint32_t j)
{
	uint32_t fa = sp->fn[a->s->start + i], ff = sp->fn[f->s->start + j];
	uint64_t ca;

	if (fa != UINT32_MAX && fa == ff)
		return 1;
	/* named functions that differ are different functions (an interpreter's ops called
	 * through one pointer from one instruction: pp_split and pp_leave) */
	if (!sp->stripped[a->s->start + i] || !sp->stripped[f->s->start + j])
		return 0;
	if (i + 1 >= a->s->len || j + 1 >= f->s->len)
		return 0;
	ca = cfa(a->cfas, a->nbytes, i + 1);
	return ca && ca == cfa(f->cfas, f->nbytes, j + 1) && sp->frame[a->s->start + i + 1] >= 0 &&
	       sp->frame[a->s->start + i + 1] == sp->frame[f->s->start + j + 1];
}

/* The deepest pair (i, j), or 0 when none. */
static int find_pair(const struct scope_pair *sp, const struct side *a, const struct side *f,
		     uint32_t *pi, uint32_t *pj)
{
	for (uint32_t i = 0; i < a->s->len; i++) {
		uint64_t c = cfa(a->cfas, a->nbytes, i);

		if (!c)
			continue;
		for (uint32_t j = 0; j < f->s->len; j++)
			if (cfa(f->cfas, f->nbytes, j) == c && same_invocation(sp, a, i, f, j)) {
				*pi = i;
				*pj = j;
				return 1;
			}
	}
	return 0;
}

static void sql_scope_pos(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	const struct scope_pair *sp = sqlite3_user_data(ctx);
	int side = sqlite3_value_int(v[8]), agent = sqlite3_value_type(v[6]) != SQLITE_NULL &&
						    sqlite3_value_type(v[7]) != SQLITE_NULL;
	long long agent_pos = sqlite3_value_int64(v[side ? 7 : 6]);
	const struct sp_stack *as, *fs;
	uint32_t i, j;
	struct side a, f;

	(void)argc;
	for (int k = 0; k < 6; k++)
		if (sqlite3_value_type(v[k]) == SQLITE_NULL)
			goto keep;
	if (sqlite3_value_int64(v[4]) != sqlite3_value_int64(v[5]))
		goto keep; /* another thread's stack: nothing in common */
	as = find(sp, sqlite3_value_int64(v[0]));
	fs = find(sp, sqlite3_value_int64(v[2]));
	if (!as || !fs)
		goto keep;
	a = (struct side){ as, sqlite3_value_blob(v[1]), sqlite3_value_bytes(v[1]) };
	f = (struct side){ fs, sqlite3_value_blob(v[3]), sqlite3_value_bytes(v[3]) };
	/* only ever deeper than the agent's pair: its rule is a part of this one, and where the
	 * CFAs are unknown (0) the agent's pair stands */
	if (find_pair(sp, &a, &f, &i, &j) && (!agent || i < sqlite3_value_int64(v[6]))) {
		sqlite3_result_int64(ctx, side ? j : i);
		return;
	}
keep:
	if (agent)
		sqlite3_result_int64(ctx, agent_pos);
	else
		sqlite3_result_null(ctx);
}

/* A call instruction (a frame row: module and return address) and the function it called (the
 * frame one position in), as seen in one stack. */
struct call_seen {
	long long frame;
	uint32_t callee;
	unsigned char stripped;
};

static int cmp_call(const void *pa, const void *pb)
{
	const struct call_seen *a = pa, *b = pb;

	if (a->frame != b->frame)
		return (a->frame > b->frame) - (a->frame < b->frame);
	if (a->stripped != b->stripped)
		return a->stripped - b->stripped;
	return (a->callee > b->callee) - (a->callee < b->callee);
}

/* The indirect calls: a direct call instruction has one callee, so one seen calling two
 * functions calls through a pointer (an interpreter's op dispatch, an event loop's handler).
 * Two functions are told apart only when at least one has a name: a stripped callee is named
 * by its own return address (`module+0xPC`), so two of them may be one function. */
static void find_indirect(struct scope_pair *sp)
{
	size_t cap = 0, n = 0, i, j;
	struct call_seen *v = NULL;

	for (size_t k = 0; k < sp->nstacks; k++) {
		const struct sp_stack *s = &sp->stacks[k];

		for (uint32_t pos = 1; pos < s->len; pos++) {
			uint32_t at = s->start + pos;

			if (sp->frame[at] < 0 || sp->fn[at - 1] == UINT32_MAX)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 1024;
				v = an_realloc(v, cap * sizeof(*v));
			}
			v[n++] = (struct call_seen){ sp->frame[at], sp->fn[at - 1],
						     sp->stripped[at - 1] };
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_call);
	for (i = 0; i < n; i = j) {
		size_t named = 0, stripped = 0;

		for (j = i; j < n && v[j].frame == v[i].frame; j++) {
			if (v[j].stripped)
				stripped = 1;
			else if (j == i || v[j - 1].stripped || v[j].callee != v[j - 1].callee)
				named++; /* sorted: named callees come first, each run once */
		}
		if (named >= 2 || (named >= 1 && stripped)) {
			sp->indirect = an_realloc(sp->indirect,
						  (sp->nindirect + 1) * sizeof(*sp->indirect));
			sp->indirect[sp->nindirect++] = v[i].frame; /* ascending */
		}
	}
	free(v);
}

static int cmp_ll(const void *pa, const void *pb)
{
	long long a = *(const long long *)pa, b = *(const long long *)pb;

	return (a > b) - (a < b);
}

static void sql_indirect_call(sqlite3_context *ctx, int argc, sqlite3_value **v)
{
	const struct scope_pair *sp = sqlite3_user_data(ctx);
	long long frame;

	(void)argc;
	if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	frame = sqlite3_value_int64(v[0]);
	sqlite3_result_int(ctx, sp->nindirect && bsearch(&frame, sp->indirect, sp->nindirect,
							 sizeof(*sp->indirect), cmp_ll) != NULL);
}

int scope_pair_register(sqlite3 *db, const char *path, struct scope_pair **out)
{
	struct scope_pair *sp = an_malloc(sizeof(*sp));

	memset(sp, 0, sizeof(*sp));
	name_table_init(&sp->fns);
	*out = NULL;
	if (load(db, path, sp)) {
		scope_pair_unregister(NULL, sp);
		return -1;
	}
	find_indirect(sp);
	if (sqlite3_create_function(db, "ap_scope_pos", 9, SQLITE_UTF8 | SQLITE_DETERMINISTIC, sp,
				    sql_scope_pos, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "ap_indirect_call", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
				    sp, sql_indirect_call, NULL, NULL) != SQLITE_OK) {
		an_db_error(db, path, "scope function");
		scope_pair_unregister(NULL, sp);
		return -1;
	}
	*out = sp;
	return 0;
}

void scope_pair_unregister(sqlite3 *db, struct scope_pair *sp)
{
	if (db) {
		sqlite3_create_function(db, "ap_scope_pos", 9, SQLITE_UTF8, NULL, NULL, NULL, NULL);
		sqlite3_create_function(db, "ap_indirect_call", 1, SQLITE_UTF8, NULL, NULL, NULL,
					NULL);
	}
	if (!sp)
		return;
	free(sp->stacks);
	free(sp->frame);
	free(sp->fn);
	free(sp->stripped);
	free(sp->indirect);
	name_table_free(&sp->fns);
	free(sp);
}
