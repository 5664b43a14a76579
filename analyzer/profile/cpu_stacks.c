/* cpu_stacks.c: reading a profile's CPU sample stacks into memory (see cpu_stacks.h). */
#define _POSIX_C_SOURCE 200809L
#include "cpu_stacks.h"

#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "profile_frames.h"
#include "report_data.h"

/* One row per frame of each stack, innermost first; a stack without frames gives one row with a
 * NULL frame id. */
static const char stacks_sql[] = "SELECT c.stack_id, c.samples, sf.frame_id "
				 "FROM cpu_stats c "
				 "LEFT JOIN stack_frames sf ON sf.stack_id = c.stack_id "
				 "ORDER BY c.stack_id, sf.pos";

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

/* The CPU frame of a frames row: the defaults of cpu_frame, classified. */
static void cpu_frame_of(const struct an_frames *t, const struct an_frame *row, struct cpu_frame *f)
{
	size_t m = row->has_module ? an_module_find(t, row->module_id) : AN_NO_INDEX;
	const char *module = m == AN_NO_INDEX ? NULL : t->modules[m].path;

	memset(f, 0, sizeof(*f));
	f->id = row->id;
	f->function = an_strdup(row->function ? row->function : AN_UNKNOWN);
	f->file = row->file ? an_strdup(row->file) : NULL;
	f->has_line = row->has_line;
	f->line = row->line;
	f->module = an_strdup(module ? module : AN_UNKNOWN);
	classify_frame(f);
}

/* Only the frames the CPU stacks use, in id order: idx holds indices into t until here, then
 * into p->frames. */
static void keep_used_frames(const struct an_frames *t, struct cpu_profile *p)
{
	uint32_t *to = an_malloc((t->n + 1) * sizeof(*to));
	size_t i;

	for (i = 0; i < t->n; i++)
		to[i] = CPU_NO_FRAME;
	for (i = 0; i < p->nidx; i++)
		if (p->idx[i] != CPU_NO_FRAME)
			to[p->idx[i]] = 0;
	p->frames = an_malloc((t->n + 1) * sizeof(*p->frames));
	for (i = 0; i < t->n; i++) {
		if (to[i] == CPU_NO_FRAME)
			continue;
		to[i] = (uint32_t)p->nframes;
		cpu_frame_of(t, &t->v[i], &p->frames[p->nframes++]);
	}
	for (i = 0; i < p->nidx; i++)
		if (p->idx[i] != CPU_NO_FRAME)
			p->idx[i] = to[p->idx[i]];
	free(to);
}

static void push_idx(struct cpu_profile *p, size_t *cap, uint32_t v)
{
	if (p->nidx == *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		p->idx = an_realloc(p->idx, *cap * sizeof(*p->idx));
	}
	p->idx[p->nidx++] = v;
}

static int load_stacks(sqlite3 *db, const char *path, const struct an_frames *t,
		       struct cpu_profile *p)
{
	size_t cap = 0, cap_idx = 0, i;
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
		i = an_frame_find(t, sqlite3_column_int64(st, 2));
		push_idx(p, &cap_idx, i == AN_NO_INDEX ? CPU_NO_FRAME : (uint32_t)i);
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
	struct an_frames t;

	memset(p, 0, sizeof(*p));
	if (an_frames_load(db, path, &t))
		return -1;
	if (load_stacks(db, path, &t, p)) {
		an_frames_free(&t);
		cpu_profile_free(p);
		return -1;
	}
	keep_used_frames(&t, p);
	an_frames_free(&t);
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
