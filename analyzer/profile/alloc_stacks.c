/* alloc_stacks.c: reading a profile's allocation statistics with their stacks (see
 * alloc_stacks.h). */
#define _POSIX_C_SOURCE 200809L
#include "alloc_stacks.h"

#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"

/* One row per frame of each (stack, kind), innermost frame first; a stack without any frame
 * gives one row with a NULL frame id. */
static const char alloc_sql[] = "SELECT a.stack_id, a.kind, a.allocs, a.bytes, sf.frame_id "
				"FROM alloc_stats a "
				"LEFT JOIN stack_frames sf ON sf.stack_id = a.stack_id "
				"ORDER BY a.stack_id, a.kind, sf.pos";

static int same_kind(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static void push_frame(struct an_alloc_stacks *s, size_t *cap, long long id)
{
	if (s->nframe_ids == *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		s->frame_ids = an_realloc(s->frame_ids, *cap * sizeof(*s->frame_ids));
	}
	s->frame_ids[s->nframe_ids++] = id;
}

int an_alloc_stacks_load(sqlite3 *db, const char *path, struct an_alloc_stacks *s)
{
	size_t cap = 0, cap_ids = 0;
	struct an_alloc_row *cur = NULL;
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	if (an_db_prepare(db, path, "stacks", alloc_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long stack = sqlite3_column_int64(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);

		/* the join repeats each alloc_stats row once per frame */
		if (!cur || stack != cur->stack_id || !same_kind(kind, cur->kind)) {
			if (s->n == cap) {
				cap = cap ? cap * 2 : 1024;
				s->v = an_realloc(s->v, cap * sizeof(*s->v));
			}
			cur = &s->v[s->n++];
			cur->stack_id = stack;
			cur->kind = kind ? an_strdup(kind) : NULL;
			cur->allocs = sqlite3_column_int64(st, 2);
			cur->bytes = sqlite3_column_int64(st, 3);
			cur->start = s->nframe_ids;
			cur->len = 0;
		}
		push_frame(s, &cap_ids,
			   sqlite3_column_type(st, 4) == SQLITE_NULL ? AN_NULL_FRAME_ID :
								       sqlite3_column_int64(st, 4));
		cur->len++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "stacks");
		an_alloc_stacks_free(s);
		return -1;
	}
	return 0;
}

void an_alloc_stacks_free(struct an_alloc_stacks *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].kind);
	free(s->v);
	free(s->frame_ids);
	memset(s, 0, sizeof(*s));
}
