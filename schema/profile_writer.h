/* profile_writer.h: the agent's prepared INSERT statements into the profile database (schema/). */
#ifndef ARENAPROF_PROFILE_WRITER_H
#define ARENAPROF_PROFILE_WRITER_H

#include <sqlite3.h>
#include <stdint.h>

struct profile_writer;

struct profile_writer *profile_writer_new(sqlite3 *db);
void profile_writer_free(struct profile_writer *w);

int pw_begin(struct profile_writer *w);
int pw_commit(struct profile_writer *w);
int pw_module(struct profile_writer *w, int64_t id, const char *path, const char *build_id);
/* module_id < 0: no module. file NULL / line 0: unknown. */
int pw_frame(struct profile_writer *w, int64_t id, int64_t module_id, uint64_t offset,
	     int inline_depth, const char *function, const char *file, int line);
int pw_stack(struct profile_writer *w, int64_t id, int depth, int truncated);
int pw_stack_frame(struct profile_writer *w, int64_t stack_id, int pos, int64_t frame_id);
int pw_alloc_stats(struct profile_writer *w, int64_t stack_id, const char *kind, uint64_t allocs,
		   uint64_t bytes, uint64_t size_min, uint64_t size_max);
int pw_cpu_stats(struct profile_writer *w, int64_t stack_id, uint64_t samples);
/* One row of objects; freed_by NULL for a censored object, scope_pos < 0 for none. CFAs are
 * little-endian u64 per stack position. */
struct pw_object_row {
	int64_t alloc_stack_id, free_stack_id, alloc_ns, free_ns;
	uint32_t alloc_tid, free_tid;
	uint64_t size;
	const char *kind, *freed_by;
	int scope_pos, free_scope_pos, alloc_depth, free_depth;
	const uint64_t *alloc_cfas, *free_cfas;
	uint64_t alloc_inv, free_inv; /* 0: none */
};
int pw_object(struct profile_writer *w, const struct pw_object_row *o);
/* loop_call: NULL for a call scope (record --verify F); A for the loop iteration of
 * record --verify-loop F:A, whose invocations are the iterations ended by the next one. */
int pw_scope_probe(struct profile_writer *w, const char *function, const char *module,
		   const char *loop_call, uint64_t invocations, uint64_t total_ns);
int pw_thread(struct profile_writer *w, uint32_t tid, const char *name, uint64_t allocs,
	      uint64_t bytes, uint64_t cpu_samples);
int pw_counter(struct profile_writer *w, const char *name, uint64_t value);
/* One overhead-budget window (see the windows table in schema/schema.sql). */
struct pw_window_row {
	uint32_t id;
	uint64_t start_ns, armed_ns, tail_ns, allocs, frees, tail_frees, bytes, target_cpu_ns,
		lost_ns;
	double saturation;
	uint64_t exposure_ns, exposure_lo_ns, exposure_hi_ns;
};
int pw_window(struct profile_writer *w, const struct pw_window_row *r);
int pw_window_stat(struct profile_writer *w, uint32_t window_id, int64_t stack_id, uint64_t allocs,
		   uint64_t bytes);
/* The last SQLite error, for messages. */
const char *pw_errmsg(struct profile_writer *w);

#endif
