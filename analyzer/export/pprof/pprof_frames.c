/* pprof_frames.c: frames and modules of a profile database as pprof functions, locations and
 * mappings (see pprof_frames.h). A mapping is made for a module when one of its frames is first
 * used, so the profile lists only the modules its samples reach. */
#define _POSIX_C_SOURCE 200809L
#include "pprof_frames.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "report_data.h"

static const char modules_sql[] = "SELECT id, path, build_id FROM modules ORDER BY id";
static const char frames_sql[] = "SELECT id, module_id, offset, inline_depth, function, file, "
				 "line FROM frames ORDER BY id";

static char *text_or_null(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	return s && *s ? an_strdup(s) : NULL;
}

static int load_modules(sqlite3 *db, const char *path, struct pprof_frames *fr)
{
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "modules", modules_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pprof_module *m;

		if (fr->nmodules == cap) {
			cap = cap ? cap * 2 : 64;
			fr->modules = an_realloc(fr->modules, cap * sizeof(*fr->modules));
		}
		m = &fr->modules[fr->nmodules++];
		m->id = sqlite3_column_int64(st, 0);
		m->path = text_or_null(st, 1);
		m->build_id = text_or_null(st, 2);
		m->mapping_id = 0;
	}
	if (rc != SQLITE_DONE)
		an_db_error(db, path, "modules");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int load_frames(sqlite3 *db, const char *path, struct pprof_frames *fr)
{
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "frames", frames_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pprof_frame *f;

		if (fr->nframes == cap) {
			cap = cap ? cap * 2 : 1024;
			fr->frames = an_realloc(fr->frames, cap * sizeof(*fr->frames));
		}
		f = &fr->frames[fr->nframes++];
		memset(f, 0, sizeof(*f));
		f->id = sqlite3_column_int64(st, 0);
		f->module_id = sqlite3_column_int64(st, 1); /* NULL reads as 0, not a module id */
		f->offset = sqlite3_column_int64(st, 2);
		f->inline_depth = sqlite3_column_int64(st, 3);
		f->function = text_or_null(st, 4);
		f->file = text_or_null(st, 5);
		f->line = sqlite3_column_int64(st, 6);
	}
	if (rc != SQLITE_DONE)
		an_db_error(db, path, "frames");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int pprof_frames_load(sqlite3 *db, const char *path, struct pprof_frames *fr)
{
	memset(fr, 0, sizeof(*fr));
	if (load_modules(db, path, fr) || load_frames(db, path, fr)) {
		pprof_frames_free(fr);
		return -1;
	}
	return 0;
}

void pprof_frames_free(struct pprof_frames *fr)
{
	size_t i;

	for (i = 0; i < fr->nframes; i++) {
		free(fr->frames[i].function);
		free(fr->frames[i].file);
	}
	for (i = 0; i < fr->nmodules; i++) {
		free(fr->modules[i].path);
		free(fr->modules[i].build_id);
	}
	free(fr->frames);
	free(fr->modules);
	free(fr->locs);
	free(fr->lines);
	free(fr->key);
	memset(fr, 0, sizeof(*fr));
}

static struct pprof_frame *find_frame(struct pprof_frames *fr, long long id)
{
	size_t lo = 0, hi = fr->nframes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fr->frames[mid].id == id)
			return &fr->frames[mid];
		if (fr->frames[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The mapping of a module id, made when first used; 0 for no (or an unknown) module. */
static uint64_t mapping_of(struct pprof_profile *p, struct pprof_frames *fr, long long id)
{
	size_t lo = 0, hi = fr->nmodules;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct pprof_module *m = &fr->modules[mid];

		if (m->id == id) {
			if (!m->mapping_id)
				m->mapping_id = pprof_mapping(p, m->path, m->build_id);
			return m->mapping_id;
		}
		if (m->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void push_loc(struct pprof_frames *fr, size_t *n, uint64_t loc)
{
	if (*n == fr->cap_locs) {
		fr->cap_locs = fr->cap_locs ? fr->cap_locs * 2 : 256;
		fr->locs = an_realloc(fr->locs, fr->cap_locs * sizeof(*fr->locs));
	}
	fr->locs[(*n)++] = loc;
}

uint64_t pprof_named_location(struct pprof_profile *p, const char *name)
{
	struct pprof_line line = { pprof_function(p, name, NULL), 0 };
	size_t len = strlen(name);
	char *key = an_malloc(len + 2);
	uint64_t id;

	key[0] = 'n'; /* frame runs' keys start with a digit */
	memcpy(key + 1, name, len + 1);
	id = pprof_location(p, key, 0, 0, &line, 1);
	free(key);
	return id;
}

/* The location of frames[0..n) (one address, innermost first). Its key is the frame ids. */
static uint64_t run_location(struct pprof_profile *p, struct pprof_frames *fr,
			     struct pprof_frame **run, size_t n)
{
	size_t i, klen = 0;

	if (n > fr->cap_lines) {
		fr->cap_lines = n * 2;
		fr->lines = an_realloc(fr->lines, fr->cap_lines * sizeof(*fr->lines));
	}
	if (n * 21 + 1 > fr->key_cap) {
		fr->key_cap = n * 42 + 1;
		fr->key = an_realloc(fr->key, fr->key_cap);
	}
	for (i = 0; i < n; i++) {
		struct pprof_frame *f = run[i];

		if (!f->function_id)
			f->function_id =
				pprof_function(p, f->function ? f->function : AN_UNKNOWN, f->file);
		fr->lines[i].function_id = f->function_id;
		fr->lines[i].line = f->line;
		klen += (size_t)sprintf(fr->key + klen, "%s%lld", i ? "," : "", f->id);
	}
	return pprof_location(p, fr->key, mapping_of(p, fr, run[0]->module_id),
			      (uint64_t)run[0]->offset, fr->lines, (uint32_t)n);
}

size_t pprof_stack(struct pprof_profile *p, struct pprof_frames *fr, uint64_t leaf,
		   const long long *frame_ids, size_t n)
{
	struct pprof_frame **run = an_malloc((n ? n : 1) * sizeof(*run));
	size_t i, nrun = 0, count = 0;

	if (leaf)
		push_loc(fr, &count, leaf);

	for (i = 0; i < n; i++) {
		struct pprof_frame *f =
			frame_ids[i] == PPROF_NO_FRAME ? NULL : find_frame(fr, frame_ids[i]);
		struct pprof_frame *last = nrun ? run[nrun - 1] : NULL;

		/* an inlined frame's caller at the same address continues the run */
		if (f && last && f->module_id == last->module_id && f->offset == last->offset &&
		    f->inline_depth > last->inline_depth) {
			run[nrun++] = f;
			continue;
		}
		if (nrun)
			push_loc(fr, &count, run_location(p, fr, run, nrun));
		nrun = 0;
		if (f)
			run[nrun++] = f;
		else
			push_loc(fr, &count, pprof_named_location(p, AN_UNKNOWN));
	}
	if (nrun)
		push_loc(fr, &count, run_location(p, fr, run, nrun));
	if (n == 0)
		push_loc(fr, &count, pprof_named_location(p, AN_UNKNOWN));
	free(run);
	return count;
}
