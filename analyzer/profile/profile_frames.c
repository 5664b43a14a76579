/* profile_frames.c: reading a profile's frames and modules (see profile_frames.h). */
#define _POSIX_C_SOURCE 200809L
#include "profile_frames.h"

#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"

static const char modules_sql[] = "SELECT id, path, build_id FROM modules ORDER BY id";
static const char frames_sql[] = "SELECT id, module_id, offset, inline_depth, function, file, "
				 "line FROM frames ORDER BY id";

static char *text_or_null(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return s && *s ? an_strdup(s) : NULL;
}

static int load_modules(sqlite3 *db, const char *path, struct an_frames *fr)
{
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "modules", modules_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct an_module *m;

		if (fr->nmodules == cap) {
			cap = cap ? cap * 2 : 64;
			fr->modules = an_realloc(fr->modules, cap * sizeof(*fr->modules));
		}
		m = &fr->modules[fr->nmodules++];
		m->id = sqlite3_column_int64(st, 0);
		m->path = text_or_null(st, 1);
		m->build_id = text_or_null(st, 2);
	}
	if (rc != SQLITE_DONE)
		an_db_error(db, path, "modules");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int load_frames(sqlite3 *db, const char *path, struct an_frames *fr)
{
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "frames", frames_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct an_frame *f;

		if (fr->n == cap) {
			cap = cap ? cap * 2 : 1024;
			fr->v = an_realloc(fr->v, cap * sizeof(*fr->v));
		}
		f = &fr->v[fr->n++];
		f->id = sqlite3_column_int64(st, 0);
		f->has_module = sqlite3_column_type(st, 1) != SQLITE_NULL;
		f->module_id = sqlite3_column_int64(st, 1); /* NULL reads as 0, not a module id */
		f->offset = sqlite3_column_int64(st, 2);
		f->inline_depth = sqlite3_column_int64(st, 3);
		f->function = text_or_null(st, 4);
		f->file = text_or_null(st, 5);
		f->has_line = sqlite3_column_type(st, 6) != SQLITE_NULL;
		f->line = sqlite3_column_int64(st, 6);
	}
	if (rc != SQLITE_DONE)
		an_db_error(db, path, "frames");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int an_frames_load(sqlite3 *db, const char *path, struct an_frames *fr)
{
	memset(fr, 0, sizeof(*fr));
	if (load_frames(db, path, fr) || load_modules(db, path, fr)) {
		an_frames_free(fr);
		return -1;
	}
	return 0;
}

void an_frames_free(struct an_frames *fr)
{
	size_t i;

	for (i = 0; i < fr->n; i++) {
		free(fr->v[i].function);
		free(fr->v[i].file);
	}
	for (i = 0; i < fr->nmodules; i++) {
		free(fr->modules[i].path);
		free(fr->modules[i].build_id);
	}
	free(fr->v);
	free(fr->modules);
	memset(fr, 0, sizeof(*fr));
}

size_t an_frame_find(const struct an_frames *fr, long long id)
{
	size_t lo = 0, hi = fr->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fr->v[mid].id == id)
			return mid;
		if (fr->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return AN_NO_INDEX;
}

size_t an_module_find(const struct an_frames *fr, long long id)
{
	size_t lo = 0, hi = fr->nmodules;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fr->modules[mid].id == id)
			return mid;
		if (fr->modules[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return AN_NO_INDEX;
}
