/* folded.c: `arenaprof folded`: one line per (stack, allocator function), frames from the
 * outermost to the call site joined by ';', then ';' and the allocator function, a space and the
 * value (allocation count or bytes). Names are made safe for the format: ';' becomes ':',
 * control characters (newlines) become spaces, invalid UTF-8 bytes U+FFFD; spaces are kept
 * (readers split on the last one). Lines that come out identical (e.g. one function called from
 * two lines) are merged (the lines themselves: folded_lines.c). */
#define _POSIX_C_SOURCE 200809L
#include "folded.h"

#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "profile_frames.h"

/* One row per frame of each (stack, kind), outermost frame first; a stack without any frame
 * gives one row with a NULL frame id. */
static const char folded_sql[] = "SELECT a.stack_id, a.kind, a.allocs, a.bytes, sf.frame_id "
				 "FROM alloc_stats a "
				 "LEFT JOIN stack_frames sf ON sf.stack_id = a.stack_id "
				 "ORDER BY a.stack_id, a.kind, sf.pos DESC";

/* Every frame's name, interned once (fn.name[i]: of fn.t.v[i]). */
struct frame_names {
	struct an_frames t;
	uint32_t *name;
};

static int load_frames(sqlite3 *db, const char *path, struct folded *out, struct frame_names *fn)
{
	size_t i;

	if (an_frames_load(db, path, &fn->t))
		return -1;
	fn->name = an_malloc((fn->t.n + 1) * sizeof(*fn->name));
	for (i = 0; i < fn->t.n; i++)
		fn->name[i] = folded_intern(out, fn->t.v[i].function);
	return 0;
}

/* The interned name of the frame in column col of st ([unknown] for NULL or a missing frame). */
static uint32_t frame_name(struct folded *out, const struct frame_names *fn, sqlite3_stmt *st,
			   int col)
{
	size_t i;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return folded_intern(out, NULL);
	i = an_frame_find(&fn->t, sqlite3_column_int64(st, col));
	return i == AN_NO_INDEX ? folded_intern(out, NULL) : fn->name[i];
}

int folded_load(sqlite3 *db, const char *path, enum folded_metric metric, struct folded *out)
{
	struct folded_line *line = NULL;
	struct frame_names fn = { 0 };
	long long cur_stack = 0;
	char *cur_kind = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	folded_init(out);
	if (load_frames(db, path, out, &fn))
		goto fail;
	if (an_db_prepare(db, path, "stacks", folded_sql, &st)) {
		st = NULL;
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long stack = sqlite3_column_int64(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);

		if (!kind)
			kind = "";
		if (!cur_kind || stack != cur_stack || strcmp(kind, cur_kind) != 0) {
			if (cur_kind)
				folded_push(out, line, folded_intern(out, cur_kind));
			free(cur_kind);
			cur_kind = an_strdup(kind);
			cur_stack = stack;
			line = folded_new_line(
				out, sqlite3_column_int64(st, metric == FOLDED_BYTES ? 3 : 2));
		}
		folded_push(out, line, frame_name(out, &fn, st, 4));
	}
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "stacks");
		goto fail;
	}
	if (cur_kind)
		folded_push(out, line, folded_intern(out, cur_kind));
	if (folded_merge(out)) {
		an_err("%s: stack totals overflow", path);
		goto fail;
	}
	sqlite3_finalize(st);
	free(cur_kind);
	an_frames_free(&fn.t);
	free(fn.name);
	return 0;
fail:
	sqlite3_finalize(st);
	free(cur_kind);
	an_frames_free(&fn.t);
	free(fn.name);
	folded_free(out);
	return -1;
}

int folded_load_metric(sqlite3 *db, const char *path, enum folded_metric metric, struct folded *out)
{
	if (metric == FOLDED_CPU || metric == FOLDED_ALLOC_CPU)
		return folded_load_cpu(db, path, metric == FOLDED_ALLOC_CPU, out);
	return folded_load(db, path, metric, out);
}
