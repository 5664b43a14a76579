/* pprof_frames.c: frames and modules of a profile database as pprof functions, locations and
 * mappings (see pprof_frames.h). A mapping is made for a module when one of its frames is first
 * used, so the profile lists only the modules its samples reach. */
#define _POSIX_C_SOURCE 200809L
#include "pprof_frames.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_util.h"
#include "report_data.h"

int pprof_frames_load(sqlite3 *db, const char *path, struct pprof_frames *fr)
{
	memset(fr, 0, sizeof(*fr));
	if (an_frames_load(db, path, &fr->t))
		return -1;
	fr->function_id = an_malloc((fr->t.n + 1) * sizeof(*fr->function_id));
	memset(fr->function_id, 0, (fr->t.n + 1) * sizeof(*fr->function_id));
	fr->mapping_id = an_malloc((fr->t.nmodules + 1) * sizeof(*fr->mapping_id));
	memset(fr->mapping_id, 0, (fr->t.nmodules + 1) * sizeof(*fr->mapping_id));
	return 0;
}

void pprof_frames_free(struct pprof_frames *fr)
{
	an_frames_free(&fr->t);
	free(fr->function_id);
	free(fr->mapping_id);
	free(fr->locs);
	free(fr->lines);
	free(fr->key);
	memset(fr, 0, sizeof(*fr));
}

/* The mapping of a module id, made when first used; 0 for no (or an unknown) module. */
static uint64_t mapping_of(struct pprof_profile *p, struct pprof_frames *fr, long long id)
{
	size_t m = an_module_find(&fr->t, id);

	if (m == AN_NO_INDEX)
		return 0;
	if (!fr->mapping_id[m])
		fr->mapping_id[m] =
			pprof_mapping(p, fr->t.modules[m].path, fr->t.modules[m].build_id);
	return fr->mapping_id[m];
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

/* The location of the frames run[0..n) (indices into fr->t, one address, innermost first). Its
 * key is the frame ids. */
static uint64_t run_location(struct pprof_profile *p, struct pprof_frames *fr, const size_t *run,
			     size_t n)
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
		const struct an_frame *f = &fr->t.v[run[i]];

		if (!fr->function_id[run[i]])
			fr->function_id[run[i]] =
				pprof_function(p, f->function ? f->function : AN_UNKNOWN, f->file);
		fr->lines[i].function_id = fr->function_id[run[i]];
		fr->lines[i].line = f->line;
		klen += (size_t)sprintf(fr->key + klen, "%s%lld", i ? "," : "", f->id);
	}
	return pprof_location(p, fr->key, mapping_of(p, fr, fr->t.v[run[0]].module_id),
			      (uint64_t)fr->t.v[run[0]].offset, fr->lines, (uint32_t)n);
}

size_t pprof_stack(struct pprof_profile *p, struct pprof_frames *fr, uint64_t leaf,
		   const long long *frame_ids, size_t n)
{
	size_t *run = an_malloc((n ? n : 1) * sizeof(*run));
	size_t i, nrun = 0, count = 0;

	if (leaf)
		push_loc(fr, &count, leaf);

	for (i = 0; i < n; i++) {
		size_t k = frame_ids[i] == PPROF_NO_FRAME ? AN_NO_INDEX :
							    an_frame_find(&fr->t, frame_ids[i]);
		const struct an_frame *f = k == AN_NO_INDEX ? NULL : &fr->t.v[k];
		const struct an_frame *last = nrun ? &fr->t.v[run[nrun - 1]] : NULL;

		/* an inlined frame's caller at the same address continues the run */
		if (f && last && f->module_id == last->module_id && f->offset == last->offset &&
		    f->inline_depth > last->inline_depth) {
			run[nrun++] = k;
			continue;
		}
		if (nrun)
			push_loc(fr, &count, run_location(p, fr, run, nrun));
		nrun = 0;
		if (f)
			run[nrun++] = k;
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
