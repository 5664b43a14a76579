/* candidates_query.c: reads what the arena candidates are made of: meta track_every, duration and
 * pid, the verified scope functions (scope_probes) and every sampled object (objects) with its
 * site (alloc stack at its site position, past the allocator and its wrappers: site_fold.h),
 * scope frame (alloc stack pos scope_pos) and free site (free stack at its site position), and
 * classifies each object (candidates_data.h). */
#define _POSIX_C_SOURCE 200809L
#include "candidates_data.h"
#include "savings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "profile_meta.h"
#include "scope_pair.h"

static const char objects_sql[] =
	"SELECT o.kind, o.size, o.alloc_tid, o.alloc_ns, o.free_stack_id IS NULL, o.free_tid, "
	"o.free_ns, o.freed_by, o.scope_pos_a, o.alloc_cfas, o.alloc_inv, o.free_inv, "
	"af.function, af.file, af.line, am.path, af.id IS NULL, "
	"sf.function, sf.file, sf.line, sm.path, sf.id IS NULL, "
	"ff.function, ff.file, ff.line, fm.path, ff.id IS NULL, "
	"f1.function, "
	"la.function, lf.file, lf.line, lm.path, lf.id IS NULL, lb.function, sc.function, "
	"la.file, la.line, lam.path, la2.function, lb.file, lb.line, lbm.path, lb2.function, o.id, "
	/* dispatched: the same instruction of the scope frame made and freed it through two
	 * functions, or the call that made it is an indirect one (ap_indirect_call, scope_pair.c)
	 * and the free came another way */
	"(s0.frame_id = l0.frame_id AND la.function IS NOT lb.function) OR "
	"(ap_indirect_call(s0.frame_id) AND s0.frame_id IS NOT l0.frame_id) "
	/* the scope frame on both paths: ap_scope_pos (scope_pair.c), not the agent's
	 * objects.scope_pos, which loses a stripped function's frames */
	"FROM (SELECT x.*, ap_scope_pos(x.alloc_stack_id, x.alloc_cfas, x.free_stack_id, "
	"x.free_cfas, x.alloc_tid, x.free_tid, x.scope_pos, x.free_scope_pos, 0) AS scope_pos_a, "
	"ap_scope_pos(x.alloc_stack_id, x.alloc_cfas, x.free_stack_id, x.free_cfas, x.alloc_tid, "
	"x.free_tid, x.scope_pos, x.free_scope_pos, 1) AS scope_pos_f FROM objects x) o "
	"LEFT JOIN stack_frames a0 ON a0.stack_id = o.alloc_stack_id "
	"AND a0.pos = ap_site_pos(o.alloc_stack_id) "
	"LEFT JOIN frames af ON af.id = a0.frame_id "
	"LEFT JOIN modules am ON am.id = af.module_id "
	"LEFT JOIN stack_frames s0 ON s0.stack_id = o.alloc_stack_id AND s0.pos = o.scope_pos_a "
	"LEFT JOIN frames sf ON sf.id = s0.frame_id "
	"LEFT JOIN modules sm ON sm.id = sf.module_id "
	"LEFT JOIN stack_frames e0 ON e0.stack_id = o.free_stack_id "
	"AND e0.pos = ap_site_pos(o.free_stack_id) "
	"LEFT JOIN frames ff ON ff.id = e0.frame_id "
	"LEFT JOIN modules fm ON fm.id = ff.module_id "
	"LEFT JOIN stack_frames e1 ON e1.stack_id = o.free_stack_id "
	"AND e1.pos = ap_site_pos(o.free_stack_id) + 1 "
	"LEFT JOIN frames f1 ON f1.id = e1.frame_id "
	/* the loop's calls: the scope frame's callee on the allocation path (la), the scope
	 * frame on the free path (lf) and its callee there (lb), the scope frame's caller (sc) */
	"LEFT JOIN stack_frames a1 ON a1.stack_id = o.alloc_stack_id AND a1.pos = o.scope_pos_a - 1 "
	"LEFT JOIN frames la ON la.id = a1.frame_id "
	"LEFT JOIN modules lam ON lam.id = la.module_id "
	"LEFT JOIN stack_frames a2 ON a2.stack_id = o.alloc_stack_id AND a2.pos = o.scope_pos_a - 2 "
	"LEFT JOIN frames la2 ON la2.id = a2.frame_id "
	"LEFT JOIN stack_frames l0 ON l0.stack_id = o.free_stack_id AND l0.pos = o.scope_pos_f "
	"LEFT JOIN frames lf ON lf.id = l0.frame_id "
	"LEFT JOIN modules lm ON lm.id = lf.module_id "
	"LEFT JOIN stack_frames l1 ON l1.stack_id = o.free_stack_id "
	"AND l1.pos = o.scope_pos_f - 1 "
	"LEFT JOIN frames lb ON lb.id = l1.frame_id "
	"LEFT JOIN modules lbm ON lbm.id = lb.module_id "
	"LEFT JOIN stack_frames l2 ON l2.stack_id = o.free_stack_id "
	"AND l2.pos = o.scope_pos_f - 2 "
	"LEFT JOIN frames lb2 ON lb2.id = l2.frame_id "
	"LEFT JOIN stack_frames s1 ON s1.stack_id = o.alloc_stack_id AND s1.pos = o.scope_pos_a + 1 "
	"LEFT JOIN frames sc ON sc.id = s1.frame_id "
	"ORDER BY o.id";

/* Appends "<len>:<s>" (or "-" for NULL) to a growing key buffer. */
static void key_add(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = s ? strlen(s) : 0, need = *len + n + 32;

	if (need > *cap) {
		*cap = need * 2;
		*buf = an_realloc(*buf, *cap);
	}
	if (s)
		*len += (size_t)sprintf(*buf + *len, "%zu:", n);
	else
		(*buf)[(*len)++] = '-';
	memcpy(*buf + *len, s ? s : "", n);
	*len += n;
	(*buf)[*len] = '\0';
}

uint32_t cand_loc_intern(struct cand_data *d, const char *function, const char *file, int has_line,
			 long long line, const char *module)
{
	char *buf = NULL, num[32];
	size_t len = 0, cap = 0;
	uint32_t id, n = d->locs.n;

	snprintf(num, sizeof(num), "%lld", line);
	key_add(&buf, &len, &cap, function);
	key_add(&buf, &len, &cap, file);
	key_add(&buf, &len, &cap, has_line ? num : NULL);
	key_add(&buf, &len, &cap, module);
	id = name_table_intern(&d->locs, buf, len);
	free(buf);
	if (id >= d->loc_cap) {
		d->loc_cap = d->loc_cap ? d->loc_cap * 2 : 256;
		d->loc = an_realloc(d->loc, d->loc_cap * sizeof(*d->loc));
	}
	if (d->locs.n > n) { /* new */
		struct an_loc *l = &d->loc[id];

		l->function = an_strdup(function);
		l->file = file ? an_strdup(file) : NULL;
		l->has_line = has_line;
		l->line = has_line ? line : 0;
		l->module = an_strdup(module);
	}
	return id;
}

static uint32_t scope_intern(struct cand_data *d, const char *function, const char *module)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	uint32_t id, n = d->scopes.n;

	key_add(&buf, &len, &cap, function);
	key_add(&buf, &len, &cap, module);
	id = name_table_intern(&d->scopes, buf, len);
	free(buf);
	if (d->scopes.n > n) { /* new */
		if (id >= d->scope_cap) {
			d->scope_cap = d->scope_cap ? d->scope_cap * 2 : 64;
			d->scope_fn_loc = an_realloc(d->scope_fn_loc,
						     d->scope_cap * sizeof(*d->scope_fn_loc));
			d->scope_probed = an_realloc(d->scope_probed,
						     d->scope_cap * sizeof(*d->scope_probed));
		}
		d->scope_fn_loc[id] = CAND_NO_ID;
		d->scope_probed[id] = 0;
	}
	return id;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* The location of the frame in columns i (function), i+1 (file), i+2 (line), i+3 (module),
 * i+4 (no frame). */
static uint32_t frame_loc(struct cand_data *d, sqlite3_stmt *st, int i)
{
	int none = sqlite3_column_int(st, i + 4);
	const char *fn = none ? NULL : col_text(st, i);
	const char *mod = none ? NULL : col_text(st, i + 3);

	return cand_loc_intern(d, fn ? fn : AN_UNKNOWN, none ? NULL : col_text(st, i + 1),
			       !none && sqlite3_column_type(st, i + 2) != SQLITE_NULL,
			       sqlite3_column_int64(st, i + 2), mod ? mod : AN_UNKNOWN);
}

static struct cand_obj *new_obj(struct cand_data *d)
{
	struct cand_obj *o;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 1024;
		d->objs = an_realloc(d->objs, d->cap * sizeof(*d->objs));
	}
	o = &d->objs[d->n++];
	memset(o, 0, sizeof(*o));
	return o;
}

static uint64_t cfa_at(sqlite3_stmt *st, int col, long long pos)
{
	const unsigned char *b = sqlite3_column_blob(st, col);
	int len = sqlite3_column_bytes(st, col);
	uint64_t v = 0;
	int i;

	if (!b || pos < 0 || pos >= len / 8)
		return 0;
	for (i = 7; i >= 0; i--)
		v = (v << 8) | b[pos * 8 + i]; /* little-endian u64 */
	return v;
}

/* The scope frame's calls on both paths, for a loop-iteration scope (candidates_loop.c): the
 * function it calls towards the allocation (the allocator function when it allocates itself) at
 * the scope frame's line, the same on the free path; and whether the scope is a process or
 * thread root. When the scope frame is the C library's root (__libc_start_call_main,
 * start_thread: a stripped main's frames differ on both paths), the loop is in its callee. */
static void read_loop_calls(struct cand_data *d, sqlite3_stmt *st, struct cand_obj *o,
			    const char *kind, const char *freed_by)
{
	const struct an_loc f =
		d->loc[o->scope_loc]; /* interning may move d->loc, not its strings */
	const char *caller = col_text(st, 34);
	int shift = cand_root_function(f.function) && strcmp(f.function, "main") != 0 &&
		    col_text(st, 28) && col_text(st, 38);
	const char *a = col_text(st, shift ? 38 : 28), *b = col_text(st, shift ? 42 : 33);
	const char *mod;

	o->loop_fn = o->scope_loc;
	if (shift) /* the callee on the allocation path, at its line there */
		o->loop_fn = cand_loc_intern(d, col_text(st, 28), NULL, 0, 0,
					     col_text(st, 37) ? col_text(st, 37) : AN_UNKNOWN);
	if (shift)
		o->loop_alloc = cand_loc_intern(d, a, col_text(st, 35),
						sqlite3_column_type(st, 36) != SQLITE_NULL,
						sqlite3_column_int64(st, 36),
						col_text(st, 37) ? col_text(st, 37) : AN_UNKNOWN);
	else
		o->loop_alloc = cand_loc_intern(d, a ? a : (kind ? kind : AN_UNKNOWN), f.file,
						f.has_line, f.line, f.module);
	o->loop_free = CAND_NO_ID;
	if (sqlite3_column_type(st, 4) == SQLITE_INTEGER && !sqlite3_column_int(st, 4) &&
	    !sqlite3_column_int(st, 32) && (!shift || b)) {
		int c = shift ? 39 : 29; /* the loop function's frame on the free path */

		mod = col_text(st, c + 2);
		o->loop_free =
			cand_loc_intern(d, b ? b : (freed_by ? freed_by : "free"), col_text(st, c),
					sqlite3_column_type(st, c + 1) != SQLITE_NULL,
					sqlite3_column_int64(st, c + 1), mod ? mod : AN_UNKNOWN);
	}
	o->scope_root = cand_root_function(f.function) || cand_root_caller(caller);
}

static void read_object(struct cand_data *d, sqlite3_stmt *st)
{
	struct cand_obj *o = new_obj(d);
	const char *kind = col_text(st, 0), *freed_by = col_text(st, 7);
	int has_scope = sqlite3_column_type(st, 8) != SQLITE_NULL && !sqlite3_column_int(st, 21);
	int has_free_inv = sqlite3_column_type(st, 11) != SQLITE_NULL;
	long long free_inv = sqlite3_column_int64(st, 11);

	o->size = sqlite3_column_int64(st, 1);
	o->tid = sqlite3_column_int64(st, 2);
	o->alloc_ns = sqlite3_column_int64(st, 3);
	o->free_ns = sqlite3_column_int64(st, 6);
	o->has_inv = sqlite3_column_type(st, 10) != SQLITE_NULL;
	o->alloc_inv = sqlite3_column_int64(st, 10);
	o->realloc = (kind && strcmp(kind, "realloc") == 0) ||
		     (freed_by && strcmp(freed_by, "realloc") == 0);
	o->site = frame_loc(d, st, 12);
	o->id = sqlite3_column_int64(st, 43);
	o->dispatched = sqlite3_column_int(st, 44) != 0;
	o->scope = o->scope_loc = o->free_site = o->free_fn = CAND_NO_ID;
	o->loop_alloc = o->loop_free = o->loop_fn = CAND_NO_ID;
	if (has_scope) {
		o->scope_loc = frame_loc(d, st, 17);
		o->scope =
			scope_intern(d, d->loc[o->scope_loc].function, d->loc[o->scope_loc].module);
		if (d->scope_fn_loc[o->scope] == CAND_NO_ID)
			d->scope_fn_loc[o->scope] = o->scope_loc;
		o->scope_cfa = cfa_at(st, 9, sqlite3_column_int64(st, 8));
		read_loop_calls(d, st, o, kind, freed_by);
		o->loop_probed = cand_loop_probe_at(d, o->loop_fn) != NULL;
	}
	o->confirmed = o->has_inv && has_free_inv && o->alloc_inv == free_inv;
	if (sqlite3_column_int(st, 4)) {
		o->cls = OBJ_CENSORED;
		return;
	}
	o->free_site = frame_loc(d, st, 22);
	o->free_fn = name_table_intern(&d->fns, d->loc[o->free_site].function,
				       strlen(d->loc[o->free_site].function));
	o->free_recursive = col_text(st, 27) && !sqlite3_column_int(st, 26) &&
			    strcmp(col_text(st, 27), d->loc[o->free_site].function) == 0;
	if (sqlite3_column_int64(st, 5) != o->tid || sqlite3_column_type(st, 5) == SQLITE_NULL)
		o->cls = OBJ_CROSS;
	else if (!has_scope)
		o->cls = OBJ_ESCAPING;
	/* a verified scope function: allocated in one invocation, freed in another (or outside) */
	else if (d->scope_probed[o->scope] && (o->has_inv || has_free_inv) && !o->confirmed)
		o->cls = OBJ_ESCAPING;
	/* a verified loop: allocated in one iteration, freed in a later one */
	else if (o->loop_probed && (o->has_inv || has_free_inv) && !o->confirmed)
		o->cls = OBJ_ESCAPING;
	else
		o->cls = OBJ_SCOPED;
}

static int load_meta(sqlite3 *db, const char *path, struct cand_data *d)
{
	sqlite3_stmt *st;
	long long v;
	int rc;

	if (an_db_prepare(db, path, "meta", "SELECT key, value FROM meta", &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = col_text(st, 0), *val = col_text(st, 1);
		enum ap_meta_key key = k && val ? ap_meta_lookup(k) : AP_META_N;

		if (key == AP_META_CALIB_MALLOC_FREE_NS)
			d->calib_malloc_free_ns = atof(val);
		if (key == AP_META_CALIB_ARENA_NS)
			d->calib_arena_ns = atof(val);
		if (key == AP_META_CALIB_INPLACE_MALLOC_FREE_NS)
			d->inplace_malloc_free_ns = atof(val);
		if (key == AP_META_CALIB_INPLACE_ARENA_NS)
			d->inplace_arena_ns = atof(val);
		if (key == AP_META_CALIB_INPLACE_SPREAD)
			d->inplace_spread = atof(val);
		if (key == AP_META_MODE)
			d->windowed = !strcmp(val, "windowed");
		if (key == AP_META_LIFETIME_WINDOWS)
			d->odd_lifetime_windows = !strcmp(val, "odd");
		if (key == AP_META_N || ap_meta_parse_int(val, &v) || v < 0)
			continue;
		if (key == AP_META_TRACK_EVERY)
			d->track_every = v;
		else if (key == AP_META_DURATION_NS)
			d->duration_ns = v;
		else if (key == AP_META_PID)
			d->pid = v, d->has_pid = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "meta");
		return -1;
	}
	return 0;
}

static int load_probes(sqlite3 *db, const char *path, struct cand_data *d)
{
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "scope probes",
			  "SELECT function, module, invocations, loop_call FROM scope_probes", &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint32_t id;

		if (!col_text(st, 0) || !col_text(st, 1))
			continue;
		if (col_text(st, 3) && col_text(st, 3)[0]) { /* record --verify-loop F:A */
			struct cand_loop_probe *p;

			d->loop_probes = an_realloc(
				d->loop_probes, (d->nloop_probes + 1) * sizeof(*d->loop_probes));
			p = &d->loop_probes[d->nloop_probes++];
			p->function = an_strdup(col_text(st, 0));
			p->module = an_strdup(col_text(st, 1));
			p->call = an_strdup(col_text(st, 3));
			p->iterations = sqlite3_column_int64(st, 2);
			continue;
		}
		id = scope_intern(d, col_text(st, 0), col_text(st, 1)); /* may move scope_probed */
		d->scope_probed[id] = sqlite3_column_int64(st, 2) > 0 ? 1 : 2;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "scope probes");
		return -1;
	}
	return 0;
}

/* Windowed profiles: the total exposure of the windows that followed objects (the odd ones
 * when meta lifetime_windows says so, else all), to scale sampled objects to rates. Where the
 * probes slowed the target more than twice in them, the armed time instead, as the estimates do
 * (analyzer/model/estimates.c): a lower bound of the rate, not a small difference of large numbers. */
static int window_exposure(sqlite3 *db, const char *path, struct cand_data *d)
{
	sqlite3_stmt *st;
	double armed = 0;

	if (an_db_prepare(
		    db, path, "windows",
		    d->odd_lifetime_windows ?
			    "SELECT SUM(exposure_ns), SUM(armed_ns) FROM windows WHERE id % 2 = 1" :
			    "SELECT SUM(exposure_ns), SUM(armed_ns) FROM windows",
		    &st))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		d->exposure_ns = sqlite3_column_double(st, 0);
		armed = sqlite3_column_double(st, 1);
	}
	sqlite3_finalize(st);
	if (d->exposure_ns > 0 && armed > 2 * d->exposure_ns) {
		d->exposure_ns = armed;
		d->rate_lower_bound = 1;
	}
	return 0;
}

int cand_data_load(sqlite3 *db, const char *path, struct cand_data *d)
{
	struct scope_pair *pair;
	sqlite3_stmt *st;
	int rc;

	memset(d, 0, sizeof(*d));
	name_table_init(&d->locs);
	name_table_init(&d->scopes);
	name_table_init(&d->fns);
	d->duration_ns = -1;
	if (load_meta(db, path, d) || load_probes(db, path, d))
		goto fail;
	d->cost_fraction = ARENA_COST_FRACTION;
	if (d->calib_malloc_free_ns > 0 && d->calib_arena_ns > 0 &&
	    d->calib_arena_ns < d->calib_malloc_free_ns)
		d->cost_fraction = d->calib_arena_ns / d->calib_malloc_free_ns;
	else
		d->calib_malloc_free_ns = d->calib_arena_ns = 0;
	/* the in-place calibration, when plausible, replaces the tight loop's fraction (savings.h) */
	d->cost_fraction_sd = SAVINGS_UNCALIBRATED_REL_SD * d->cost_fraction;
	if (d->inplace_malloc_free_ns > 0 && d->inplace_arena_ns >= 0 &&
	    d->inplace_arena_ns < d->inplace_malloc_free_ns && d->inplace_spread >= 0 &&
	    d->inplace_spread <= 1) {
		d->cost_fraction = d->inplace_arena_ns / d->inplace_malloc_free_ns;
		d->cost_fraction_sd =
			sqrt(d->inplace_spread * d->inplace_spread +
			     SAVINGS_INPLACE_MODEL_REL_SD * SAVINGS_INPLACE_MODEL_REL_SD) *
			d->cost_fraction;
	} else
		d->inplace_malloc_free_ns = d->inplace_arena_ns = d->inplace_spread = 0;
	if (scope_pair_register(db, path, &pair))
		goto fail;
	if (an_db_prepare(db, path, "sampled objects", objects_sql, &st)) {
		scope_pair_unregister(db, pair);
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		read_object(d, st);
	sqlite3_finalize(st);
	scope_pair_unregister(db, pair);
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "sampled objects");
		goto fail;
	}
	if (cand_running_scopes(db, path, d))
		goto fail;
	cand_censoring(d);
	if (d->windowed && window_exposure(db, path, d))
		goto fail;
	return 0;
fail:
	cand_data_free(d);
	return -1;
}

void cand_data_free(struct cand_data *d)
{
	uint32_t i;

	for (i = 0; i < d->locs.n; i++) {
		free(d->loc[i].function);
		free(d->loc[i].file);
		free(d->loc[i].module);
	}
	free(d->loc);
	name_table_free(&d->locs);
	name_table_free(&d->scopes);
	name_table_free(&d->fns);
	free(d->scope_fn_loc);
	free(d->scope_probed);
	for (size_t k = 0; k < d->nloop_probes; k++) {
		free(d->loop_probes[k].function);
		free(d->loop_probes[k].module);
		free(d->loop_probes[k].call);
	}
	free(d->loop_probes);
	free(d->objs);
	memset(d, 0, sizeof(*d));
}
