/* sites_query.c: the call sites of a profile (shared by the text and the JSON report). A site is
 * the frame at the stack's site position (site_fold.h: the first frame outside the allocator and
 * its wrappers, pos 0 with --no-wrappers) grouped by (function, file, line, module); several frames
 * (different addresses, e.g. two calls on one line) and several stacks can share one site. An
 * allocation whose stack has no frame at all is the site AN_UNKNOWN, so the shares add up to 1. */
#define _POSIX_C_SOURCE 200809L
#include "report_data.h"

#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "site_fold.h"

/* One row per (stack, kind), sorted by site then stack, so a site is a run of rows. */
static const char sites_sql[] =
	"SELECT f.function, f.file, f.line, m.path, a.stack_id, a.kind, a.allocs, a.bytes, "
	"a.size_min, a.size_max "
	"FROM alloc_stats a "
	"LEFT JOIN stack_frames sf ON sf.stack_id = a.stack_id AND sf.pos = ap_site_pos(a.stack_id) "
	"LEFT JOIN frames f ON f.id = sf.frame_id "
	"LEFT JOIN modules m ON m.id = f.module_id "
	"ORDER BY f.function, f.file, f.line, m.path, a.stack_id";

static int same_text(const char *a, const unsigned char *b)
{
	if (!a || !b)
		return !a && !b;
	return strcmp(a, (const char *)b) == 0;
}

static char *dup_or_null(const unsigned char *s)
{
	return s ? an_strdup((const char *)s) : NULL;
}

/* Does the row at st belong to site s? (NULLs equal each other, as in GROUP BY.) */
static int same_site(const struct an_site *s, sqlite3_stmt *st)
{
	int has_line = sqlite3_column_type(st, 2) != SQLITE_NULL;

	return same_text(s->function, sqlite3_column_text(st, 0)) &&
	       same_text(s->file, sqlite3_column_text(st, 1)) && s->has_line == has_line &&
	       (!has_line || s->line == sqlite3_column_int64(st, 2)) &&
	       same_text(s->module, sqlite3_column_text(st, 3));
}

static struct an_site *new_site(struct an_sites *sites, size_t *cap, sqlite3_stmt *st)
{
	struct an_site *s;

	if (sites->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		sites->v = an_realloc(sites->v, *cap * sizeof(*sites->v));
	}
	s = &sites->v[sites->n++];
	memset(s, 0, sizeof(*s));
	s->function = dup_or_null(sqlite3_column_text(st, 0));
	s->file = dup_or_null(sqlite3_column_text(st, 1));
	s->has_line = sqlite3_column_type(st, 2) != SQLITE_NULL;
	s->line = s->has_line ? sqlite3_column_int64(st, 2) : 0;
	s->module = dup_or_null(sqlite3_column_text(st, 3));
	return s;
}

static int add_kind(struct an_site *s, const char *kind, long long allocs)
{
	size_t i;

	for (i = 0; i < s->nkinds; i++)
		if (strcmp(s->kinds[i].kind, kind) == 0)
			return an_add(&s->kinds[i].allocs, allocs);
	s->kinds = an_realloc(s->kinds, (s->nkinds + 1) * sizeof(*s->kinds));
	s->kinds[s->nkinds].kind = an_strdup(kind);
	s->kinds[s->nkinds].allocs = allocs;
	s->nkinds++;
	return 0;
}

/* Adds one (stack, kind) row to site s; -1 on an overflowing sum. */
static int add_row(struct an_site *s, sqlite3_stmt *st, long long *last_stack)
{
	const unsigned char *kind = sqlite3_column_text(st, 5);
	long long stack_id = sqlite3_column_int64(st, 4);
	long long allocs = sqlite3_column_int64(st, 6);
	long long min = sqlite3_column_int64(st, 8), max = sqlite3_column_int64(st, 9);

	if (s->stacks == 0) { /* the first row of the site */
		s->size_min = min;
		s->size_max = max;
	}
	if (min < s->size_min)
		s->size_min = min;
	if (max > s->size_max)
		s->size_max = max;
	if (s->stacks == 0 || stack_id != *last_stack)
		s->stacks++;
	*last_stack = stack_id;
	if (an_add(&s->allocs, allocs) || an_add(&s->bytes, sqlite3_column_int64(st, 7)))
		return -1;
	return add_kind(s, kind ? (const char *)kind : "", allocs);
}

/* Adds the wrappers folded on the way to this stack's site (innermost first, each once). */
/* At most this many distinct folded frames are listed per site: a site reached through many
 * different wrappers (a synthetic 1M-stack profile folds 100,000 leaf functions into 10 sites)
 * made the list quadratic to build: the report took over a minute instead of 4 s. */
#define SITE_MAX_WRAPPERS 16

static void add_wrappers(struct an_site *s, const struct site_fold *fold, long long stack_id)
{
	const char *chain[64];
	size_t n = site_fold_chain(fold, stack_id, chain, 64), i, k;

	for (i = 0; i < n && s->nwrappers < SITE_MAX_WRAPPERS; i++) {
		for (k = 0; k < s->nwrappers && strcmp(s->wrappers[k], chain[i]) != 0; k++)
			;
		if (k < s->nwrappers)
			continue;
		s->wrappers = an_realloc(s->wrappers, (s->nwrappers + 1) * sizeof(*s->wrappers));
		s->wrappers[s->nwrappers++] = an_strdup(chain[i]);
	}
}

static int cmp_opt_text(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_sites(const void *pa, const void *pb)
{
	const struct an_site *a = pa, *b = pb;
	int c;

	if (a->allocs != b->allocs)
		return a->allocs > b->allocs ? -1 : 1;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if ((c = strcmp(a->function, b->function)) != 0)
		return c;
	if ((c = cmp_opt_text(a->file, b->file)) != 0)
		return c;
	if (a->has_line != b->has_line)
		return a->has_line - b->has_line;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return strcmp(a->module, b->module);
}

static int cmp_kinds(const void *pa, const void *pb)
{
	const struct an_kind *a = pa, *b = pb;

	return strcmp(a->kind, b->kind);
}

int an_sites_load(sqlite3 *db, const char *path, const struct site_fold *fold,
		  struct an_sites *sites)
{
	struct an_site *cur = NULL;
	long long last_stack = 0;
	sqlite3_stmt *st;
	size_t cap = 0, i;
	int rc;

	memset(sites, 0, sizeof(*sites));
	if (an_db_prepare(db, path, "call sites", sites_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!cur || !same_site(cur, st))
			cur = new_site(sites, &cap, st);
		if (add_row(cur, st, &last_stack)) {
			an_err("%s: call site totals overflow", path);
			goto fail;
		}
		add_wrappers(cur, fold, sqlite3_column_int64(st, 4));
	}
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "call sites");
		goto fail;
	}
	sqlite3_finalize(st);
	for (i = 0; i < sites->n; i++) {
		struct an_site *s = &sites->v[i];

		if (!s->function)
			s->function = an_strdup(AN_UNKNOWN);
		if (!s->module)
			s->module = an_strdup(AN_UNKNOWN);
		if (s->nkinds > 1)
			qsort(s->kinds, s->nkinds, sizeof(*s->kinds), cmp_kinds);
	}
	an_sites_sort(sites);
	return 0;
fail:
	sqlite3_finalize(st);
	an_sites_free(sites);
	return -1;
}

void an_sites_sort(struct an_sites *sites)
{
	if (sites->n > 1)
		qsort(sites->v, sites->n, sizeof(*sites->v), cmp_sites);
}

void an_sites_free(struct an_sites *sites)
{
	size_t i, k;

	for (i = 0; i < sites->n; i++) {
		struct an_site *s = &sites->v[i];

		free(s->function);
		free(s->file);
		free(s->module);
		for (k = 0; k < s->nkinds; k++)
			free(s->kinds[k].kind);
		free(s->kinds);
		for (k = 0; k < s->nwrappers; k++)
			free(s->wrappers[k]);
		free(s->wrappers);
	}
	free(sites->v);
	memset(sites, 0, sizeof(*sites));
}
