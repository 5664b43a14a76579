/* site_fold.c: reading the stacks that have sites (allocations, sampled objects' allocation and
 * free stacks, windows), marking the allocator, the known and the --wrapper functions, detecting
 * the other wrappers (wrapper_detect.c), folding every stack to its call site, and registering
 * ap_site_pos(stack_id) on the profile's connection (see site_fold.h). */
#define _POSIX_C_SOURCE 200809L
#include "site_fold.h"

#include <stdlib.h>
#include <string.h>

#include "allocator_table.h"
#include "an_db.h"
#include "an_util.h"
#include "cpu_share.h"
#include "report_data.h"

static const char frames_sql[] = "SELECT f.id, f.function, m.path FROM frames f "
				 "LEFT JOIN modules m ON m.id = f.module_id ORDER BY f.id";

static const char stacks_sql[] =
	"SELECT sf.stack_id, sf.pos, sf.frame_id FROM stack_frames sf "
	"WHERE sf.stack_id IN (SELECT stack_id FROM alloc_stats UNION SELECT alloc_stack_id FROM "
	"objects UNION SELECT free_stack_id FROM objects UNION SELECT stack_id FROM window_stats) "
	"ORDER BY sf.stack_id, sf.pos";

/* Every frame's function key, by frames.id (interned once per frame, not per stack). */
struct frame_keys {
	long long *id; /* ascending */
	uint32_t *fn;
	size_t n;
};

static const char rows_sql[] = "SELECT stack_id, allocs, size_min, size_max FROM alloc_stats";

int an_wrap_opts_add(struct an_wrap_opts *o, const char *regex)
{
	regex_t re;

	if (regcomp(&re, regex, REG_EXTENDED | REG_NOSUB) != 0)
		return -1;
	o->re = an_realloc(o->re, (o->nre + 1) * sizeof(*o->re));
	o->re_src = an_realloc(o->re_src, (o->nre + 1) * sizeof(*o->re_src));
	o->re[o->nre] = re;
	o->re_src[o->nre++] = an_strdup(regex);
	return 0;
}

void an_wrap_opts_free(struct an_wrap_opts *o)
{
	for (size_t i = 0; i < o->nre; i++) {
		regfree(&o->re[i]);
		free(o->re_src[i]);
	}
	free(o->re);
	free(o->re_src);
	memset(o, 0, sizeof(*o));
}

const char *wrap_reason_name(enum wrap_reason r)
{
	static const char *const names[] = { "allocator", "known", "option", "detected" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "detected";
}

#define KEY_SEP '\x1f'

/* A function's key in fold->fns: "function<KEY_SEP>module" (allocated; *len without the NUL). */
static char *fn_key(const char *function, const char *module, size_t *len)
{
	size_t lf = strlen(function), lm;
	char *key;

	module = module ? module : AN_UNKNOWN;
	lm = strlen(module);
	key = an_malloc(lf + lm + 2);
	memcpy(key, function, lf);
	key[lf] = KEY_SEP;
	memcpy(key + lf + 1, module, lm + 1);
	*len = lf + 1 + lm;
	return key;
}

static uint32_t fn_intern(struct site_fold *fold, const char *function, const char *module)
{
	size_t len;
	char *key;
	uint32_t id;

	if (!function || !*function || strcmp(function, AN_UNKNOWN) == 0)
		return UINT32_MAX; /* never folded, never a caller */
	key = fn_key(function, module, &len);
	id = name_table_intern(&fold->fns, key, len);
	free(key);
	return id;
}

/* The function part of a key (a copy). */
static char *key_part(const char *key, int module)
{
	const char *sep = strchr(key, KEY_SEP);

	if (!sep)
		return an_strdup(module ? AN_UNKNOWN : key);
	return module ? an_strdup(sep + 1) : an_strndup(key, (size_t)(sep - key));
}

static int load_frame_keys(sqlite3 *db, const char *path, struct site_fold *fold,
			   struct frame_keys *k)
{
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	memset(k, 0, sizeof(*k));
	if (an_db_prepare(db, path, "frames", frames_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k->n == cap) {
			cap = cap ? cap * 2 : 1024;
			k->id = an_realloc(k->id, cap * sizeof(*k->id));
			k->fn = an_realloc(k->fn, cap * sizeof(*k->fn));
		}
		k->id[k->n] = sqlite3_column_int64(st, 0);
		k->fn[k->n++] = fn_intern(fold, (const char *)sqlite3_column_text(st, 1),
					  (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "frames");
		return -1;
	}
	return 0;
}

static uint32_t frame_key(const struct frame_keys *k, long long id)
{
	size_t lo = 0, hi = k->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->id[mid] == id)
			return k->fn[mid];
		if (k->id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return UINT32_MAX; /* a stack_frames row whose frame is missing */
}

static int load_stacks(sqlite3 *db, const char *path, struct site_fold *fold)
{
	size_t cap = 0, fcap = 0, nframes = 0;
	struct frame_keys keys;
	sqlite3_stmt *st;
	int rc;

	if (load_frame_keys(db, path, fold, &keys))
		goto fail;
	if (an_db_prepare(db, path, "stacks", stacks_sql, &st))
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0), pos = sqlite3_column_int64(st, 1);
		struct fold_stack *s = fold->nstacks ? &fold->stacks[fold->nstacks - 1] : NULL;

		if (pos < 0 || pos > 100000)
			continue; /* not a position a stack can have; the frame is ignored */
		if (!s || s->id != id) {
			if (fold->nstacks == cap) {
				cap = cap ? cap * 2 : 256;
				fold->stacks =
					an_realloc(fold->stacks, cap * sizeof(*fold->stacks));
			}
			s = &fold->stacks[fold->nstacks++];
			memset(s, 0, sizeof(*s));
			s->id = id;
			s->start = (uint32_t)nframes;
		}
		while (s->len <= (uint32_t)pos) { /* gaps: no frame */
			if (nframes == fcap) {
				fcap = fcap ? fcap * 2 : 1024;
				fold->frame_fn =
					an_realloc(fold->frame_fn, fcap * sizeof(uint32_t));
			}
			fold->frame_fn[nframes++] = UINT32_MAX;
			s->len++;
		}
		fold->frame_fn[s->start + pos] = frame_key(&keys, sqlite3_column_int64(st, 2));
	}
	sqlite3_finalize(st);
	free(keys.id);
	free(keys.fn);
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "stacks");
		return -1;
	}
	return 0;
fail:
	free(keys.id);
	free(keys.fn);
	return -1;
}

static int cmp_stack_id(const void *pk, const void *pe)
{
	long long k = *(const long long *)pk, id = ((const struct fold_stack *)pe)->id;

	return (k > id) - (k < id);
}

static const struct fold_stack *find_stack(const struct site_fold *fold, long long id)
{
	if (!fold->nstacks)
		return NULL;
	return bsearch(&id, fold->stacks, fold->nstacks, sizeof(*fold->stacks), cmp_stack_id);
}

static int load_rows(sqlite3 *db, const char *path, const struct site_fold *fold,
		     struct fold_alloc_row **rows, size_t *n)
{
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	*rows = NULL;
	*n = 0;
	if (an_db_prepare(db, path, "allocation stacks", rows_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const struct fold_stack *s = find_stack(fold, sqlite3_column_int64(st, 0));

		if (!s)
			continue; /* a stack without frames */
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			*rows = an_realloc(*rows, cap * sizeof(**rows));
		}
		(*rows)[(*n)++] = (struct fold_alloc_row){ (uint32_t)(s - fold->stacks),
							   sqlite3_column_int64(st, 1),
							   sqlite3_column_int64(st, 2),
							   sqlite3_column_int64(st, 3) };
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "allocation stacks");
		free(*rows);
		return -1;
	}
	return 0;
}

/* The CPU samples of each function (its first occurrence in a sample's stack, from the inner
 * end), inside the allocator (an allocator frame further in) or outside it; overhead left out. */
struct cpu_hit {
	uint32_t fn;
	int inside;
	long long samples;
};

static int load_cpu(sqlite3 *db, const char *path, struct site_fold *fold, struct cpu_hit **hits,
		    size_t *nhits)
{
	struct cpu_profile p;
	struct wrapper_cpu alloc;
	size_t cap = 0;

	*hits = NULL;
	*nhits = 0;
	if (cpu_profile_load(db, path, &p))
		return -1;
	wrapper_cpu_init(&alloc, &p);
	for (size_t i = 0; i < p.nstacks; i++) {
		const struct cpu_stack *s = &p.stacks[i];
		struct cpu_verdict v;
		size_t first = *nhits;
		int inside = 0;

		cpu_classify(&p, s, &v);
		if (v.cls == CPU_OVERHEAD)
			continue;
		for (uint32_t pos = 0; pos < s->len; pos++) {
			const struct cpu_frame *f = cpu_stack_frame(&p, s, pos);
			uint32_t fn;
			size_t k;

			if (!f || f->kernel)
				continue;
			if (wrapper_cpu_allocator(&alloc, &p, s, pos)) {
				inside = 1;
				continue;
			}
			fn = fn_intern(fold, f->function, f->module);
			for (k = first; k < *nhits && (*hits)[k].fn != fn; k++)
				;
			if (fn == UINT32_MAX || k < *nhits)
				continue;
			if (*nhits == cap) {
				cap = cap ? cap * 2 : 1024;
				*hits = an_realloc(*hits, cap * sizeof(**hits));
			}
			(*hits)[(*nhits)++] = (struct cpu_hit){ fn, inside, s->samples };
		}
	}
	wrapper_cpu_free(&alloc);
	cpu_profile_free(&p);
	return 0;
}

static int matches_option(const struct an_wrap_opts *o, const char *function)
{
	for (size_t i = 0; i < o->nre; i++)
		if (regexec(&o->re[i], function, 0, NULL, 0) == 0)
			return 1;
	return 0;
}

/* The allocator's own functions, the known wrappers and the --wrapper ones. */
static void mark_named(struct site_fold *fold, const struct an_wrap_opts *o)
{
	for (uint32_t fn = 0; fn < fold->fns.n; fn++) {
		const char *function = fold->fn_function[fn];
		enum at_category c = at_lookup(function, NULL);

		if (c != AT_NONE && c != AT_GC)
			fold->fn_wrap[fn] = 1 + WRAP_ALLOCATOR;
		else if (matches_option(o, function))
			fold->fn_wrap[fn] = 1 + WRAP_USER;
		else if (wrapper_known(function))
			fold->fn_wrap[fn] = 1 + WRAP_KNOWN;
	}
}

void site_fold_advance(struct site_fold *fold)
{
	for (size_t i = 0; i < fold->nstacks; i++) {
		struct fold_stack *s = &fold->stacks[i];

		while (s->site_pos + 1 < s->len) {
			uint32_t fn = fold->frame_fn[s->start + s->site_pos];

			if (fn == UINT32_MAX || !fold->fn_wrap[fn])
				break;
			s->site_pos++;
		}
	}
}

static int cmp_wrappers(const void *pa, const void *pb)
{
	const struct an_wrapper *a = pa, *b = pb;
	int c;

	if (a->allocs != b->allocs)
		return a->allocs > b->allocs ? -1 : 1;
	if ((c = strcmp(a->function, b->function)) != 0)
		return c;
	return strcmp(a->module, b->module);
}

/* The wrappers that recorded allocations went through, with their allocations. */
static void list_wrappers(struct site_fold *fold, const struct fold_alloc_row *rows, size_t n)
{
	long long *allocs = an_malloc((fold->fns.n + 1) * sizeof(*allocs));

	memset(allocs, 0, (fold->fns.n + 1) * sizeof(*allocs));
	for (size_t i = 0; i < n; i++) {
		const struct fold_stack *s = &fold->stacks[rows[i].stack];

		for (uint32_t pos = 0; pos < s->site_pos; pos++) {
			uint32_t fn = fold->frame_fn[s->start + pos], k;

			for (k = 0; k < pos && fold->frame_fn[s->start + k] != fn; k++)
				;
			if (fn != UINT32_MAX && k == pos) /* once per stack */
				an_add(&allocs[fn], rows[i].allocs);
		}
	}
	/* sized once: grown one by one, the list of a 1M-stack profile's 100,000 wrappers took
	 * the sanitizer build's report over a minute of copying */
	size_t count = 0;

	for (uint32_t fn = 0; fn < fold->fns.n; fn++)
		count += allocs[fn] && fold->fn_wrap[fn];
	if (count)
		fold->wrappers = an_malloc(count * sizeof(*fold->wrappers));
	for (uint32_t fn = 0; fn < fold->fns.n; fn++) {
		struct an_wrapper *w;

		if (!allocs[fn] || !fold->fn_wrap[fn])
			continue;
		w = &fold->wrappers[fold->nwrappers++];
		w->function = an_strdup(fold->fn_function[fn]);
		w->module = key_part(fold->fns.names[fn], 1);
		w->reason = (enum wrap_reason)(fold->fn_wrap[fn] - 1);
		w->callers = fold->fn_callers[fn];
		w->allocs = allocs[fn];
	}
	if (fold->nwrappers > 1)
		qsort(fold->wrappers, fold->nwrappers, sizeof(*fold->wrappers), cmp_wrappers);
	free(allocs);
}

static void sql_site_pos(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct site_fold *fold = sqlite3_user_data(ctx);

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_int64(ctx, site_fold_pos(fold, sqlite3_value_int64(argv[0])));
}

int site_fold_load(sqlite3 *db, const char *path, const struct an_wrap_opts *o,
		   struct site_fold *fold)
{
	struct fold_alloc_row *rows = NULL;
	struct cpu_hit *hits = NULL;
	long long *self = NULL, *inside = NULL;
	size_t nrows = 0, nhits = 0;
	static const struct an_wrap_opts none;

	memset(fold, 0, sizeof(*fold));
	name_table_init(&fold->fns);
	o = o ? o : &none;
	fold->raw = o->raw;
	if (!fold->raw) {
		if (load_stacks(db, path, fold) || load_rows(db, path, fold, &rows, &nrows) ||
		    load_cpu(db, path, fold, &hits, &nhits))
			goto fail;
		fold->fn_cap = fold->fns.n + 1;
		fold->fn_wrap = an_malloc(fold->fn_cap);
		memset(fold->fn_wrap, 0, fold->fn_cap);
		fold->fn_callers = an_malloc(fold->fn_cap * sizeof(*fold->fn_callers));
		memset(fold->fn_callers, 0, fold->fn_cap * sizeof(*fold->fn_callers));
		if (nhits) {
			self = an_malloc(fold->fn_cap * sizeof(*self));
			inside = an_malloc(fold->fn_cap * sizeof(*inside));
			memset(self, 0, fold->fn_cap * sizeof(*self));
			memset(inside, 0, fold->fn_cap * sizeof(*inside));
			for (size_t i = 0; i < nhits; i++)
				an_add(hits[i].inside ? &inside[hits[i].fn] : &self[hits[i].fn],
				       hits[i].samples);
		}
		fold->fn_function = an_malloc(fold->fn_cap * sizeof(*fold->fn_function));
		for (uint32_t fn = 0; fn < fold->fns.n; fn++)
			fold->fn_function[fn] = key_part(fold->fns.names[fn], 0);
		mark_named(fold, o);
		wrapper_detect(fold, rows, nrows, self, inside);
		list_wrappers(fold, rows, nrows);
	}
	free(rows);
	free(hits);
	free(self);
	free(inside);
	if (sqlite3_create_function(db, "ap_site_pos", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, fold,
				    sql_site_pos, NULL, NULL) != SQLITE_OK) {
		an_db_error(db, path, "call sites");
		site_fold_free(fold);
		return -1;
	}
	return 0;
fail:
	free(rows);
	free(hits);
	site_fold_free(fold);
	return -1;
}

void site_fold_free(struct site_fold *fold)
{
	for (size_t i = 0; i < fold->nwrappers; i++) {
		free(fold->wrappers[i].function);
		free(fold->wrappers[i].module);
	}
	free(fold->wrappers);
	for (size_t i = 0; fold->fn_function && i < fold->fns.n; i++)
		free(fold->fn_function[i]);
	free(fold->fn_function);
	name_table_free(&fold->fns);
	free(fold->fn_wrap);
	free(fold->fn_callers);
	free(fold->frame_fn);
	free(fold->stacks);
	memset(fold, 0, sizeof(*fold));
}

uint32_t site_fold_pos(const struct site_fold *fold, long long stack_id)
{
	const struct fold_stack *s = fold->raw ? NULL : find_stack(fold, stack_id);

	return s ? s->site_pos : 0;
}

size_t site_fold_chain(const struct site_fold *fold, long long stack_id, const char **out,
		       size_t max)
{
	const struct fold_stack *s = fold->raw ? NULL : find_stack(fold, stack_id);
	size_t n = 0;

	for (uint32_t pos = 0; s && pos < s->site_pos && n < max; pos++) {
		uint32_t fn = fold->frame_fn[s->start + pos];

		if (fn != UINT32_MAX && (n == 0 || out[n - 1] != fold->fn_function[fn]))
			out[n++] = fold->fn_function[fn];
	}
	return n;
}

int site_fold_is_wrapper(const struct site_fold *fold, const char *function, const char *module)
{
	size_t len;
	char *key;
	uint32_t fn;

	if (!fold || fold->raw || !function || !fold->fn_wrap)
		return 0;
	key = fn_key(function, module, &len);
	fn = name_table_find(&fold->fns, key, len);
	free(key);
	return fn != UINT32_MAX && fn < fold->fn_cap && fold->fn_wrap[fn];
}
