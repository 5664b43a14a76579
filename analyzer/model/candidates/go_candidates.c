/* go_candidates.c: finding the enclosing functions of a Go profile's allocation sites and
 * grouping the sites by them (see go_candidates.h). For each site, the frames that every one of
 * its stacks shares from the outer end (same function at the same line); those that are not the
 * Go runtime, not recursive in any of the stacks and not themselves a function with 1% or more of
 * the allocations (a helper such as newEntry, which allocates and calls newValue, is part of the
 * work its caller does) may enclose it. Candidates are then chosen greedily: the innermost frame
 * among those covering nearly the most allocations, and every site it encloses joins it. */
#define _POSIX_C_SOURCE 200809L
#include "go_candidates.h"

#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "name_table.h"

static const char stacks_sql[] = "SELECT sf.stack_id, sf.pos, f.function, f.file, f.line, m.path "
				 "FROM stack_frames sf JOIN frames f ON f.id = sf.frame_id "
				 "LEFT JOIN modules m ON m.id = f.module_id "
				 "WHERE sf.stack_id IN (SELECT stack_id FROM alloc_stats) "
				 "AND sf.pos >= ap_site_pos(sf.stack_id) "
				 "ORDER BY sf.stack_id, sf.pos DESC";

struct frame {
	char *function, *file, *module;
	long long line;
	int has_line;
};

/* Per site: the frames all its stacks share from the outer end. */
struct site_state {
	struct frame *prefix; /* outermost first */
	size_t n;
	int seen;
	char **recursive; /* functions recursive in any stack of the site */
	size_t nrec;
};

static char *dup_col(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? an_strdup((const char *)s) : NULL;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_frame(const struct frame *a, const struct frame *b)
{
	return same_str(a->function, b->function) && a->has_line == b->has_line &&
	       a->line == b->line;
}

static void frame_free(struct frame *f)
{
	free(f->function);
	free(f->file);
	free(f->module);
}

/* The site of a stack: its innermost frame at or past the site position (wrappers folded,
 * site_fold.h), as sites_query.c groups them. */
static long find_site(const struct an_sites *sites, const struct frame *f)
{
	for (size_t i = 0; i < sites->n; i++) {
		const struct an_site *s = &sites->v[i];

		if (s->allocs > 0 &&
		    same_str(s->function, f->function ? f->function : AN_UNKNOWN) &&
		    same_str(s->file, f->file) && s->has_line == f->has_line &&
		    (!f->has_line || s->line == f->line) &&
		    same_str(s->module, f->module ? f->module : AN_UNKNOWN))
			return (long)i;
	}
	return -1;
}

static int in_list(char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (same_str(list[i], s))
			return 1;
	return 0;
}

/* One whole stack (frames outermost first, fr[n - 1] the site's frame) into its site's state. */
static void add_stack(struct site_state *ss, struct frame *fr, size_t n)
{
	size_t k;

	for (size_t i = 0; i < n; i++) /* recursion: a function twice in the stack */
		for (size_t j = i + 1; j < n; j++)
			if (fr[i].function && same_str(fr[i].function, fr[j].function) &&
			    !in_list(ss->recursive, ss->nrec, fr[i].function)) {
				ss->recursive =
					an_realloc(ss->recursive, (ss->nrec + 1) * sizeof(char *));
				ss->recursive[ss->nrec++] = an_strdup(fr[i].function);
			}
	if (!ss->seen) {
		ss->seen = 1;
		ss->prefix = an_malloc((n ? n : 1) * sizeof(*ss->prefix));
		for (k = 0; k + 1 < n; k++) { /* the site's own frame is never enclosing */
			ss->prefix[k] = fr[k];
			memset(&fr[k], 0, sizeof(fr[k]));
		}
		ss->n = k;
		return;
	}
	for (k = 0; k < ss->n && k + 1 < n && same_frame(&ss->prefix[k], &fr[k]); k++)
		;
	while (ss->n > k)
		frame_free(&ss->prefix[--ss->n]);
}

/* Whether fn's own sites hold at least 1% of the allocations: then it is an allocating helper,
 * part of the work of a caller (newEntry, which allocates and calls newValue, is inside put), not
 * a scope of its own. */
static int is_allocating_function(const struct an_info *info, const struct an_sites *sites,
				  const char *fn)
{
	long long allocs = 0;

	for (size_t i = 0; i < sites->n; i++)
		if (same_str(sites->v[i].function, fn))
			allocs += sites->v[i].allocs;
	return allocs > 0 && allocs * 100 >= info->recorded_allocs;
}

/* May frame k of a site's common prefix enclose its allocations? Not the runtime, not
 * recursive in any of its stacks, not itself an allocating helper. */
static int qualifies(const struct site_state *ss, size_t k, const struct an_info *info,
		     const struct an_sites *sites)
{
	const struct frame *f = &ss->prefix[k];

	return f->function && strncmp(f->function, "runtime.", 8) != 0 &&
	       !in_list(ss->recursive, ss->nrec, f->function) &&
	       !is_allocating_function(info, sites, f->function);
}

/* The process's root: invoked once, an arena there would hold everything (kept as a last
 * resort for sites that nothing else encloses). */
static int is_root(const char *function)
{
	return strcmp(function, "main.main") == 0 || strncmp(function, "main.init", 9) == 0;
}

/* One enclosing frame of a site, as a small id (function and module interned). */
struct encl {
	uint32_t key;
	size_t depth; /* index in the site's prefix, outermost 0 */
	const struct frame *f;
};

struct site_encl {
	struct encl *v;
	size_t n;
	int done;
};

/* Greedy cover (docs/design.md, "Go scopes"): among the frames enclosing the sites not yet
 * assigned, the best covers the most allocations; the frame chosen is the innermost of those
 * covering at least GO_COVER_SHARE of that (the per-file or per-request function inside the
 * once-invoked driver), roots only when nothing else is left; every site it encloses joins it.
 * Returns the chosen key, or UINT32_MAX when no remaining site has an enclosing frame. */
static uint32_t choose(const struct site_encl *se, size_t nsites, const struct an_sites *sites,
		       const struct name_table *keys, long long *cover, size_t *depth)
{
	uint32_t best = UINT32_MAX, pick = UINT32_MAX;
	int pool_root;

	memset(cover, 0, keys->n * sizeof(*cover));
	memset(depth, 0, keys->n * sizeof(*depth));
	for (size_t i = 0; i < nsites; i++)
		for (size_t k = 0; !se[i].done && k < se[i].n; k++) {
			const struct encl *e = &se[i].v[k];

			cover[e->key] += sites->v[i].allocs;
			if (e->depth > depth[e->key])
				depth[e->key] = e->depth;
		}
	for (pool_root = 0; pool_root < 2 && best == UINT32_MAX; pool_root++)
		for (uint32_t k = 0; k < keys->n; k++)
			if (cover[k] > 0 && is_root(keys->names[k]) == pool_root &&
			    (best == UINT32_MAX || cover[k] > cover[best]))
				best = k;
	if (best == UINT32_MAX)
		return UINT32_MAX;
	pool_root = is_root(keys->names[best]);
	for (uint32_t k = 0; k < keys->n; k++) {
		if (cover[k] <= 0 || is_root(keys->names[k]) != pool_root ||
		    (double)cover[k] < GO_COVER_SHARE * (double)cover[best])
			continue;
		if (pick == UINT32_MAX || depth[k] > depth[pick] ||
		    (depth[k] == depth[pick] && cover[k] > cover[pick]))
			pick = k;
	}
	return pick;
}

static struct go_candidate *candidate_for(struct go_candidates *c, const struct frame *f)
{
	struct go_candidate *g;

	for (size_t i = 0; i < c->n; i++) {
		g = &c->v[i];
		if ((!f && !g->function) ||
		    (f && g->function && same_str(g->function, f->function) &&
		     same_str(g->module, f->module)))
			return g;
	}
	c->v = an_realloc(c->v, (c->n + 1) * sizeof(*c->v));
	g = &c->v[c->n++];
	memset(g, 0, sizeof(*g));
	if (f) {
		g->function = an_strdup(f->function);
		g->file = f->file ? an_strdup(f->file) : NULL;
		g->module = f->module ? an_strdup(f->module) : NULL;
		g->line = f->line;
		g->has_line = f->has_line;
	}
	return g;
}

static int cmp_candidates(const void *pa, const void *pb)
{
	const struct go_candidate *a = pa, *b = pb;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->allocs != b->allocs)
		return a->allocs > b->allocs ? -1 : 1;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return (a->function == NULL) - (b->function == NULL);
}

/* Reads every allocation stack, feeding each whole stack to its site's state. */
static int read_stacks(sqlite3 *db, const char *path, const struct an_sites *sites,
		       struct site_state *ss)
{
	struct frame *fr = NULL;
	size_t n = 0, cap = 0;
	long long cur = -1;
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "Go stacks", stacks_sql, &st))
		return -1;
	for (;;) {
		long long id;

		rc = sqlite3_step(st);
		id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -2;
		if (id != cur && n > 0) { /* a stack is complete */
			long site = find_site(sites, &fr[n - 1]);

			if (site >= 0)
				add_stack(&ss[site], fr, n);
			while (n > 0)
				frame_free(&fr[--n]);
		}
		if (rc != SQLITE_ROW)
			break;
		cur = id;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			fr = an_realloc(fr, cap * sizeof(*fr));
		}
		fr[n].function = dup_col(st, 2);
		fr[n].file = dup_col(st, 3);
		fr[n].has_line = sqlite3_column_type(st, 4) != SQLITE_NULL;
		fr[n].line = sqlite3_column_int64(st, 4);
		fr[n].module = dup_col(st, 5);
		n++;
	}
	free(fr);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "Go stacks");
		return -1;
	}
	return 0;
}

static int add_site(struct go_candidate *g, const struct an_sites *sites, size_t i)
{
	const struct an_site *s = &sites->v[i];

	g->sites = an_realloc(g->sites, (g->nsites + 1) * sizeof(*g->sites));
	g->sites[g->nsites++] = i;
	return an_add(&g->allocs, s->allocs) || an_add(&g->bytes, s->bytes) ||
	       an_add(&g->alloc_cpu_samples, s->alloc_cpu_samples);
}

/* Groups the sites into candidates by greedy cover (choose); sites nothing encloses form the
 * candidate without a function. 0, or -1 when a sum overflows. */
static int cover_sites(const struct an_info *info, const struct an_sites *sites,
		       const struct site_state *ss, struct go_candidates *out)
{
	struct site_encl *se = an_malloc((sites->n + 1) * sizeof(*se));
	struct name_table keys;
	long long *cover;
	size_t *depth;
	uint32_t pick;
	int rc = 0;

	name_table_init(&keys);
	memset(se, 0, (sites->n + 1) * sizeof(*se));
	for (size_t i = 0; i < sites->n; i++) {
		const struct an_site *s = &sites->v[i];

		/* the runtime's own allocations (a new goroutine's g) cannot go into an arena */
		se[i].done =
			s->allocs <= 0 || !ss[i].seen || strncmp(s->function, "runtime.", 8) == 0;
		if (se[i].done)
			continue;
		se[i].v = an_malloc((ss[i].n + 1) * sizeof(*se[i].v));
		for (size_t k = 0; k < ss[i].n; k++) {
			const struct frame *f = &ss[i].prefix[k];
			char key[4096];
			int len;

			if (!qualifies(&ss[i], k, info, sites))
				continue;
			len = snprintf(key, sizeof(key), "%s", f->function);
			se[i].v[se[i].n++] =
				(struct encl){ name_table_intern(&keys, key,
								 (size_t)len < sizeof(key) ?
									 (size_t)len :
									 sizeof(key) - 1),
					       k, f };
		}
	}
	cover = an_malloc((keys.n + 1) * sizeof(*cover));
	depth = an_malloc((keys.n + 1) * sizeof(*depth));
	while (!rc && (pick = choose(se, sites->n, sites, &keys, cover, depth)) != UINT32_MAX) {
		struct go_candidate *g = NULL;

		/* sites in report order: the largest first names the candidate's line */
		for (size_t i = 0; i < sites->n && !rc; i++)
			for (size_t k = 0; !se[i].done && k < se[i].n; k++) {
				if (se[i].v[k].key != pick)
					continue;
				if (!g)
					g = candidate_for(out, se[i].v[k].f);
				rc = add_site(g, sites, i);
				se[i].done = 1;
			}
	}
	for (size_t i = 0; i < sites->n && !rc; i++)
		if (!se[i].done)
			rc = add_site(candidate_for(out, NULL), sites, i);
	for (size_t i = 0; i < sites->n; i++)
		free(se[i].v);
	free(se);
	free(cover);
	free(depth);
	name_table_free(&keys);
	return rc;
}

int go_candidates_load(sqlite3 *db, const char *path, const struct an_info *info,
		       const struct an_sites *sites, struct go_candidates *out)
{
	struct site_state *ss;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!info->cpu.go || sites->n == 0)
		return 0;
	ss = an_malloc(sites->n * sizeof(*ss));
	memset(ss, 0, sites->n * sizeof(*ss));
	if (read_stacks(db, path, sites, ss))
		rc = -1;
	if (!rc)
		rc = cover_sites(info, sites, ss, out);
	for (size_t i = 0; i < out->n; i++) {
		struct go_candidate *g = &out->v[i];

		g->alloc_cpu_share = an_cpu_share(&info->cpu, g->alloc_cpu_samples);
		g->gc_cpu_share = info->recorded_bytes > 0 ?
					  an_cpu_share(&info->cpu, info->cpu.gc) *
						  (double)g->bytes / (double)info->recorded_bytes :
					  0.0;
		g->score = g->alloc_cpu_share + g->gc_cpu_share;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_candidates);
	for (size_t i = 0; i < sites->n; i++) {
		for (size_t k = 0; k < ss[i].n; k++)
			frame_free(&ss[i].prefix[k]);
		free(ss[i].prefix);
		for (size_t k = 0; k < ss[i].nrec; k++)
			free(ss[i].recursive[k]);
		free(ss[i].recursive);
	}
	free(ss);
	if (rc) {
		an_err("%s: Go candidate totals overflow", path);
		go_candidates_free(out);
	}
	return rc;
}

void go_candidates_free(struct go_candidates *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].function);
		free(c->v[i].file);
		free(c->v[i].module);
		free(c->v[i].sites);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}
