/* profile_writer.c: the agent's prepared INSERT statements into the profile database. Every
 * batch is one transaction (pw_begin .. pw_commit), so the file is always consistent. */
#include "profile_writer.h"

#include <stdlib.h>

enum stmt_id {
	S_MODULE,
	S_FRAME,
	S_STACK,
	S_STACK_FRAME,
	S_ALLOC_STATS,
	S_CPU_STATS,
	S_OBJECT,
	S_SCOPE_PROBE,
	S_THREAD,
	S_COUNTER,
	S_WINDOW,
	S_WINDOW_STAT,
	S_N
};

static const char *const stmt_sql[S_N] = {
	[S_MODULE] = "INSERT OR REPLACE INTO modules(id, path, build_id) VALUES (?, ?, ?)",
	[S_FRAME] = "INSERT INTO frames(id, module_id, offset, inline_depth, function, file, line) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?)",
	[S_STACK] = "INSERT INTO stacks(id, depth, truncated) VALUES (?, ?, ?)",
	[S_STACK_FRAME] = "INSERT INTO stack_frames(stack_id, pos, frame_id) VALUES (?, ?, ?)",
	[S_ALLOC_STATS] = "INSERT OR REPLACE INTO alloc_stats(stack_id, kind, allocs, bytes, "
			  "size_min, size_max) VALUES (?, ?, ?, ?, ?, ?)",
	[S_CPU_STATS] = "INSERT OR REPLACE INTO cpu_stats(stack_id, samples) VALUES (?, ?)",
	[S_OBJECT] = "INSERT INTO objects(alloc_stack_id, kind, size, alloc_tid, alloc_ns, "
		     "free_stack_id, free_tid, free_ns, freed_by, scope_pos, free_scope_pos, "
		     "alloc_cfas, free_cfas, alloc_inv, free_inv) "
		     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_SCOPE_PROBE] = "INSERT OR REPLACE INTO scope_probes(function, module, invocations, "
			  "total_ns, loop_call) VALUES (?, ?, ?, ?, ?)",
	[S_THREAD] = "INSERT OR REPLACE INTO threads(tid, name, allocs, bytes, cpu_samples) "
		     "VALUES (?, ?, ?, ?, ?)",
	[S_COUNTER] = "INSERT OR REPLACE INTO counters(name, value) VALUES (?, ?)",
	[S_WINDOW] =
		"INSERT INTO windows(id, start_ns, armed_ns, tail_ns, allocs, frees, tail_frees, "
		"bytes, target_cpu_ns, lost_ns, saturation, exposure_ns, exposure_lo_ns, "
		"exposure_hi_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_WINDOW_STAT] = "INSERT OR REPLACE INTO window_stats(window_id, stack_id, allocs, bytes) "
			  "VALUES (?, ?, ?, ?)",
};

struct profile_writer {
	sqlite3 *db;
	sqlite3_stmt *st[S_N];
};

struct profile_writer *profile_writer_new(sqlite3 *db)
{
	struct profile_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->db = db;
	for (int i = 0; i < S_N; i++) {
		if (sqlite3_prepare_v3(db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &w->st[i],
				       NULL) != SQLITE_OK) {
			profile_writer_free(w);
			return NULL;
		}
	}
	return w;
}

void profile_writer_free(struct profile_writer *w)
{
	if (!w)
		return;
	for (int i = 0; i < S_N; i++)
		sqlite3_finalize(w->st[i]);
	free(w);
}

const char *pw_errmsg(struct profile_writer *w)
{
	return sqlite3_errmsg(w->db);
}

static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int pw_begin(struct profile_writer *w)
{
	return sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int pw_commit(struct profile_writer *w)
{
	return sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int pw_module(struct profile_writer *w, int64_t id, const char *path, const char *build_id)
{
	sqlite3_stmt *st = w->st[S_MODULE];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, build_id, -1, SQLITE_STATIC);
	return run(st);
}

int pw_frame(struct profile_writer *w, int64_t id, int64_t module_id, uint64_t offset,
	     int inline_depth, const char *function, const char *file, int line)
{
	sqlite3_stmt *st = w->st[S_FRAME];

	sqlite3_bind_int64(st, 1, id);
	if (module_id >= 0)
		sqlite3_bind_int64(st, 2, module_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)offset);
	sqlite3_bind_int(st, 4, inline_depth);
	sqlite3_bind_text(st, 5, function, -1, SQLITE_STATIC);
	if (file)
		sqlite3_bind_text(st, 6, file, -1, SQLITE_STATIC);
	if (line > 0)
		sqlite3_bind_int(st, 7, line);
	return run(st);
}

int pw_stack(struct profile_writer *w, int64_t id, int depth, int truncated)
{
	sqlite3_stmt *st = w->st[S_STACK];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, depth);
	sqlite3_bind_int(st, 3, truncated);
	return run(st);
}

int pw_stack_frame(struct profile_writer *w, int64_t stack_id, int pos, int64_t frame_id)
{
	sqlite3_stmt *st = w->st[S_STACK_FRAME];

	sqlite3_bind_int64(st, 1, stack_id);
	sqlite3_bind_int(st, 2, pos);
	sqlite3_bind_int64(st, 3, frame_id);
	return run(st);
}

int pw_alloc_stats(struct profile_writer *w, int64_t stack_id, const char *kind, uint64_t allocs,
		   uint64_t bytes, uint64_t size_min, uint64_t size_max)
{
	sqlite3_stmt *st = w->st[S_ALLOC_STATS];

	sqlite3_bind_int64(st, 1, stack_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)allocs);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)bytes);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)size_min);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)size_max);
	return run(st);
}

int pw_cpu_stats(struct profile_writer *w, int64_t stack_id, uint64_t samples)
{
	sqlite3_stmt *st = w->st[S_CPU_STATS];

	sqlite3_bind_int64(st, 1, stack_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)samples);
	return run(st);
}

int pw_object(struct profile_writer *w, const struct pw_object_row *o)
{
	sqlite3_stmt *st = w->st[S_OBJECT];

	sqlite3_bind_int64(st, 1, o->alloc_stack_id);
	sqlite3_bind_text(st, 2, o->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)o->size);
	sqlite3_bind_int64(st, 4, o->alloc_tid);
	sqlite3_bind_int64(st, 5, o->alloc_ns);
	sqlite3_bind_blob(st, 12, o->alloc_cfas, o->alloc_depth * 8, SQLITE_STATIC);
	if (o->freed_by) {
		sqlite3_bind_int64(st, 6, o->free_stack_id);
		sqlite3_bind_int64(st, 7, o->free_tid);
		sqlite3_bind_int64(st, 8, o->free_ns);
		sqlite3_bind_text(st, 9, o->freed_by, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 13, o->free_cfas, o->free_depth * 8, SQLITE_STATIC);
	} else if (o->free_ns) {
		sqlite3_bind_int64(st, 8,
				   o->free_ns); /* censored: when free stopped being probed */
	}
	if (o->alloc_inv)
		sqlite3_bind_int64(st, 14, (sqlite3_int64)o->alloc_inv);
	if (o->freed_by && o->free_inv)
		sqlite3_bind_int64(st, 15, (sqlite3_int64)o->free_inv);
	if (o->scope_pos >= 0) {
		sqlite3_bind_int(st, 10, o->scope_pos);
		sqlite3_bind_int(st, 11, o->free_scope_pos);
	}
	return run(st);
}

int pw_scope_probe(struct profile_writer *w, const char *function, const char *module,
		   const char *loop_call, uint64_t invocations, uint64_t total_ns)
{
	sqlite3_stmt *st = w->st[S_SCOPE_PROBE];

	sqlite3_bind_text(st, 1, function, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, module, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)invocations);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)total_ns);
	sqlite3_bind_text(st, 5, loop_call ? loop_call : "", -1, SQLITE_STATIC);
	return run(st);
}

int pw_thread(struct profile_writer *w, uint32_t tid, const char *name, uint64_t allocs,
	      uint64_t bytes, uint64_t cpu_samples)
{
	sqlite3_stmt *st = w->st[S_THREAD];

	sqlite3_bind_int64(st, 1, tid);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)allocs);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)bytes);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)cpu_samples);
	return run(st);
}

int pw_counter(struct profile_writer *w, const char *name, uint64_t value)
{
	sqlite3_stmt *st = w->st[S_COUNTER];

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)value);
	return run(st);
}

int pw_window(struct profile_writer *w, const struct pw_window_row *r)
{
	sqlite3_stmt *st = w->st[S_WINDOW];
	const uint64_t v[] = { r->start_ns,   r->armed_ns, r->tail_ns,	     r->allocs, r->frees,
			       r->tail_frees, r->bytes,	   r->target_cpu_ns, r->lost_ns };

	sqlite3_bind_int64(st, 1, r->id);
	for (int i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++)
		sqlite3_bind_int64(st, 2 + i, (sqlite3_int64)v[i]);
	sqlite3_bind_double(st, 11, r->saturation);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)r->exposure_ns);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)r->exposure_lo_ns);
	sqlite3_bind_int64(st, 14, (sqlite3_int64)r->exposure_hi_ns);
	return run(st);
}

int pw_window_stat(struct profile_writer *w, uint32_t window_id, int64_t stack_id, uint64_t allocs,
		   uint64_t bytes)
{
	sqlite3_stmt *st = w->st[S_WINDOW_STAT];

	sqlite3_bind_int64(st, 1, window_id);
	sqlite3_bind_int64(st, 2, stack_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)allocs);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)bytes);
	return run(st);
}
