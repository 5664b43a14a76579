/* cpu_stacks.c: reading a profile's CPU sample stacks into memory (see cpu_stacks.h). */
#define _POSIX_C_SOURCE 200809L
#include "cpu_stacks.h"

#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "report_data.h"

/* Only the frames that CPU stacks use, in id order (for a binary search). */
static const char frames_sql[] = "SELECT f.id, f.function, f.file, f.line, m.path "
				 "FROM frames f LEFT JOIN modules m ON m.id = f.module_id "
				 "WHERE f.id IN (SELECT sf.frame_id FROM cpu_stats c "
				 "JOIN stack_frames sf ON sf.stack_id = c.stack_id) "
				 "ORDER BY f.id";

/* One row per frame of each stack, innermost first; a stack without frames gives one row with a
 * NULL frame id. */
static const char stacks_sql[] = "SELECT c.stack_id, c.samples, sf.frame_id "
				 "FROM cpu_stats c "
				 "LEFT JOIN stack_frames sf ON sf.stack_id = c.stack_id "
				 "ORDER BY c.stack_id, sf.pos";

static char *text_or(sqlite3_stmt *st, int col, const char *dflt)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	if (!s || !*s)
		return dflt ? an_strdup(dflt) : NULL;
	return an_strdup(s);
}

static void classify_frame(struct cpu_frame *f)
{
	f->kernel = strcmp(f->module, CPU_KERNEL_MODULE) == 0;
	if (f->kernel) {
		f->kernel_mm = at_kernel_mm(f->function) != 0;
		f->overhead = at_profiler_overhead(f->function) != 0;
		f->category = AT_NONE;
	} else {
		f->overhead = at_profiler_overhead_user(f->function, f->module) != 0;
		f->category = at_lookup(f->function, NULL);
	}
}

static int load_frames(sqlite3 *db, const char *path, struct cpu_profile *p)
{
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "frames", frames_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cpu_frame *f;

		if (p->nframes == cap) {
			cap = cap ? cap * 2 : 1024;
			p->frames = an_realloc(p->frames, cap * sizeof(*p->frames));
		}
		f = &p->frames[p->nframes++];
		memset(f, 0, sizeof(*f));
		f->id = sqlite3_column_int64(st, 0);
		f->function = text_or(st, 1, AN_UNKNOWN);
		f->file = text_or(st, 2, NULL);
		f->has_line = sqlite3_column_type(st, 3) != SQLITE_NULL;
		f->line = f->has_line ? sqlite3_column_int64(st, 3) : 0;
		f->module = text_or(st, 4, AN_UNKNOWN);
		classify_frame(f);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "frames");
		return -1;
	}
	return 0;
}

static uint32_t frame_index(const struct cpu_profile *p, long long id)
{
	size_t lo = 0, hi = p->nframes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->frames[mid].id == id)
			return (uint32_t)mid;
		if (p->frames[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return CPU_NO_FRAME;
}

static void push_idx(struct cpu_profile *p, size_t *cap, uint32_t v)
{
	if (p->nidx == *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		p->idx = an_realloc(p->idx, *cap * sizeof(*p->idx));
	}
	p->idx[p->nidx++] = v;
}

static int load_stacks(sqlite3 *db, const char *path, struct cpu_profile *p)
{
	size_t cap = 0, cap_idx = 0;
	struct cpu_stack *cur = NULL;
	long long cur_id = 0;
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "CPU samples", stacks_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);

		if (!cur || id != cur_id) {
			if (p->nstacks == cap) {
				cap = cap ? cap * 2 : 256;
				p->stacks = an_realloc(p->stacks, cap * sizeof(*p->stacks));
			}
			cur = &p->stacks[p->nstacks++];
			cur->samples = sqlite3_column_int64(st, 1);
			cur->start = p->nidx;
			cur->len = 0;
			cur_id = id;
			if (an_add(&p->recorded, cur->samples)) {
				sqlite3_finalize(st);
				an_err("%s: CPU sample totals overflow", path);
				return -1;
			}
		}
		if (sqlite3_column_type(st, 2) == SQLITE_NULL)
			continue; /* a stack without frames */
		push_idx(p, &cap_idx, frame_index(p, sqlite3_column_int64(st, 2)));
		cur->len++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "CPU samples");
		return -1;
	}
	return 0;
}

int cpu_profile_load(sqlite3 *db, const char *path, struct cpu_profile *p)
{
	memset(p, 0, sizeof(*p));
	if (load_frames(db, path, p) || load_stacks(db, path, p)) {
		cpu_profile_free(p);
		return -1;
	}
	return 0;
}

void cpu_profile_free(struct cpu_profile *p)
{
	size_t i;

	for (i = 0; i < p->nframes; i++) {
		free(p->frames[i].function);
		free(p->frames[i].file);
		free(p->frames[i].module);
	}
	free(p->frames);
	free(p->stacks);
	free(p->idx);
	memset(p, 0, sizeof(*p));
}

const struct cpu_frame *cpu_stack_frame(const struct cpu_profile *p, const struct cpu_stack *s,
					uint32_t pos)
{
	uint32_t i;

	if (pos >= s->len)
		return NULL;
	i = p->idx[s->start + pos];
	return i == CPU_NO_FRAME ? NULL : &p->frames[i];
}
