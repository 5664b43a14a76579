/* merge_tables.c: one input of `arenaprof merge`: its tables copied into temporary staging tables
 * of the output connection, then merged with SQL: modules matched by build id (by path when they
 * have none), frames by (module, offset, inline_depth), stacks by frame sequence
 * (merge_stacks.c), alloc_stats / cpu_stats / counters / scope_probes summed, threads and objects
 * appended with shifted thread and invocation ids (merge.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "merge.h"

static const char *const tables[] = { "meta",	      "modules",     "frames",	  "stacks",
				      "stack_frames", "alloc_stats", "cpu_stats", "objects",
				      "scope_probes", "threads",     "counters",  "windows",
				      "window_stats" };
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

int merge_exec(sqlite3 *out, const char *out_path, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(out, sql, NULL, NULL, &msg) != SQLITE_OK) {
		an_err("cannot write %s: %s", out_path, msg ? msg : sqlite3_errmsg(out));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int merge_setup(sqlite3 *out, const char *out_path)
{
	char sql[256];
	size_t i;

	for (i = 0; i < NTABLES; i++) {
		snprintf(sql, sizeof(sql),
			 "CREATE TEMP TABLE s_%s AS SELECT * FROM main.%s WHERE 0", tables[i],
			 tables[i]);
		if (merge_exec(out, out_path, sql))
			return -1;
	}
	return merge_exec(out, out_path,
			  "CREATE TEMP TABLE m_map(src INTEGER PRIMARY KEY, dst INTEGER);"
			  "CREATE TEMP TABLE f_map(src INTEGER PRIMARY KEY, dst INTEGER);"
			  "CREATE TEMP TABLE s_map(src INTEGER PRIMARY KEY, dst INTEGER);"
			  "CREATE TEMP TABLE st_key(key BLOB PRIMARY KEY, dst INTEGER);");
}

/* Copies every row of in's table into temp.s_<table>, column by column. */
static int stage_table(sqlite3 *out, const char *out_path, sqlite3 *in, const char *in_path,
		       const char *table)
{
	sqlite3_stmt *q = NULL, *ins = NULL;
	char sql[4096];
	int ncol, i, rc, ret = -1;
	size_t len;

	snprintf(sql, sizeof(sql), "SELECT * FROM main.%s", table);
	if (an_db_prepare(in, in_path, table, sql, &q))
		return -1;
	ncol = sqlite3_column_count(q);
	/* by the input's column names, not their positions */
	len = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO temp.s_%s(", table);
	for (i = 0; i < ncol && len + 1 < sizeof(sql); i++) { /* %w: quotes doubled */
		sqlite3_snprintf((int)(sizeof(sql) - len), sql + len, "%s\"%w\"", i ? "," : "",
				 sqlite3_column_name(q, i));
		len += strlen(sql + len);
	}
	for (i = 0; i < ncol && len < sizeof(sql); i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, i ? ",?" : ") VALUES (?");
	if (len < sizeof(sql))
		snprintf(sql + len, sizeof(sql) - len, ")");
	if (sqlite3_prepare_v2(out, sql, -1, &ins, NULL) != SQLITE_OK) {
		an_err("%s: table %s does not have the expected columns: %s", in_path, table,
		       sqlite3_errmsg(out));
		goto done;
	}
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		for (i = 0; i < ncol; i++)
			sqlite3_bind_value(ins, i + 1, sqlite3_column_value(q, i));
		if (sqlite3_step(ins) != SQLITE_DONE) {
			an_err("cannot write %s: %s", out_path, sqlite3_errmsg(out));
			goto done;
		}
		sqlite3_reset(ins);
	}
	if (rc != SQLITE_DONE) {
		an_db_error(in, in_path, table);
		goto done;
	}
	ret = 0;
done:
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	return ret;
}

#define MOD_MATCH                                                  \
	"CASE WHEN s.build_id <> '' THEN m.build_id = s.build_id " \
	"ELSE m.build_id = '' AND m.path = s.path END"

static const char merge_modules_frames[] =
	/* modules: one per build id (per path without one); the first input's path is kept */
	"INSERT INTO main.modules(path, build_id) SELECT MIN(s.path), s.build_id FROM "
	"temp.s_modules s WHERE NOT EXISTS (SELECT 1 FROM main.modules m WHERE " MOD_MATCH ") "
	"GROUP BY s.build_id, CASE WHEN s.build_id = '' THEN s.path END;"
	"INSERT INTO temp.m_map(src, dst) SELECT s.id, (SELECT MIN(m.id) FROM main.modules m WHERE " MOD_MATCH
	") FROM temp.s_modules s;"
	/* frames: by (merged module, offset, inline_depth); the first input's symbols are kept */
	"INSERT INTO main.frames(module_id, offset, inline_depth, function, file, line) "
	"SELECT mm.dst, f.offset, f.inline_depth, f.function, f.file, f.line FROM temp.s_frames f "
	"LEFT JOIN temp.m_map mm ON mm.src = f.module_id WHERE NOT EXISTS (SELECT 1 FROM "
	"main.frames d WHERE d.module_id IS mm.dst AND d.offset = f.offset AND "
	"d.inline_depth = f.inline_depth) GROUP BY mm.dst, f.offset, f.inline_depth;"
	"INSERT INTO temp.f_map(src, dst) SELECT f.id, (SELECT MIN(d.id) FROM main.frames d WHERE "
	"d.module_id IS mm.dst AND d.offset = f.offset AND d.inline_depth = f.inline_depth) "
	"FROM temp.s_frames f LEFT JOIN temp.m_map mm ON mm.src = f.module_id;";

static const char merge_stats[] =
	"INSERT INTO main.alloc_stats(stack_id, kind, allocs, bytes, size_min, size_max) "
	"SELECT sm.dst, a.kind, a.allocs, a.bytes, a.size_min, a.size_max FROM temp.s_alloc_stats a JOIN temp.s_map sm ON sm.src = a.stack_id WHERE 1 "
	"ON CONFLICT(stack_id, kind) DO UPDATE SET allocs = allocs + excluded.allocs, "
	"bytes = bytes + excluded.bytes, size_min = MIN(size_min, excluded.size_min), "
	"size_max = MAX(size_max, excluded.size_max);"
	"INSERT INTO main.cpu_stats(stack_id, samples) SELECT sm.dst, c.samples "
	"FROM temp.s_cpu_stats c "
	"JOIN temp.s_map sm ON sm.src = c.stack_id WHERE 1 "
	"ON CONFLICT(stack_id) DO UPDATE SET samples = samples + excluded.samples;"
	"INSERT INTO main.counters(name, value) SELECT name, value FROM temp.s_counters WHERE 1 "
	"ON CONFLICT(name) DO UPDATE SET value = value + excluded.value;"
	/* scope_probes.module is a module path: the merged module's path when it is one */
	"INSERT INTO main.scope_probes(function, module, invocations, total_ns, loop_call) "
	"SELECT p.function, COALESCE((SELECT m.path FROM "
	"temp.s_modules s JOIN temp.m_map mm ON mm.src = s.id JOIN main.modules m ON "
	"m.id = mm.dst WHERE s.path = p.module ORDER BY s.id LIMIT 1), p.module), "
	"p.invocations, p.total_ns, p.loop_call FROM temp.s_scope_probes p WHERE 1 "
	"ON CONFLICT(function, module, loop_call) DO UPDATE SET invocations = invocations + "
	"excluded.invocations, total_ns = total_ns + excluded.total_ns;";

/* Rows whose stack did not map (a stack id missing from stacks) would vanish: refuse. */
static const char dangling[] =
	"SELECT (SELECT COUNT(*) FROM temp.s_alloc_stats WHERE stack_id NOT IN "
	"(SELECT src FROM temp.s_map)) + (SELECT COUNT(*) FROM temp.s_cpu_stats WHERE stack_id "
	"NOT IN (SELECT src FROM temp.s_map)) + (SELECT COUNT(*) FROM temp.s_objects WHERE "
	"alloc_stack_id NOT IN (SELECT src FROM temp.s_map) OR (free_stack_id IS NOT NULL AND "
	"free_stack_id NOT IN (SELECT src FROM temp.s_map)))";

static int check_dangling(sqlite3 *out, const char *out_path, const char *in_path)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(out, dangling, -1, &st, NULL) != SQLITE_OK) {
		an_err("cannot write %s: %s", out_path, sqlite3_errmsg(out));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n != 0) {
		an_err("%s is inconsistent: %lld rows refer to a stack that is not in stacks",
		       in_path, n);
		return -1;
	}
	return 0;
}

int merge_input(sqlite3 *out, const char *out_path, sqlite3 *in, const char *in_path, int k)
{
	long long tid_off = k * MERGE_TID_STRIDE, inv_off = (long long)k << MERGE_INV_SHIFT;
	char sql[2048];
	size_t i;

	for (i = 0; i < NTABLES; i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM temp.s_%s", tables[i]);
		if (merge_exec(out, out_path, sql) ||
		    stage_table(out, out_path, in, in_path, tables[i]))
			return -1;
	}
	if (merge_exec(out, out_path,
		       "DELETE FROM temp.m_map; DELETE FROM temp.f_map; DELETE FROM temp.s_map;") ||
	    merge_exec(out, out_path, merge_modules_frames) ||
	    merge_stacks(out, out_path, in_path) || check_dangling(out, out_path, in_path) ||
	    merge_exec(out, out_path, merge_stats))
		return -1;
	snprintf(
		sql, sizeof(sql),
		"INSERT INTO main.threads(tid, name, allocs, bytes, cpu_samples) "
		"SELECT tid + %lld, name, allocs, bytes, cpu_samples FROM temp.s_threads;"
		"INSERT INTO main.objects(alloc_stack_id, kind, size, alloc_tid, alloc_ns, "
		"free_stack_id, free_tid, free_ns, freed_by, scope_pos, free_scope_pos, alloc_cfas, "
		"free_cfas, alloc_inv, free_inv) SELECT a.dst, o.kind, o.size, o.alloc_tid + %lld, "
		"o.alloc_ns, f.dst, o.free_tid + %lld, o.free_ns, o.freed_by, o.scope_pos, "
		"o.free_scope_pos, o.alloc_cfas, o.free_cfas, o.alloc_inv + %lld, "
		"o.free_inv + %lld FROM temp.s_objects o JOIN temp.s_map a ON a.src = "
		"o.alloc_stack_id LEFT JOIN temp.s_map f ON f.src = o.free_stack_id ORDER BY o.id;",
		tid_off, tid_off, tid_off, inv_off, inv_off);
	if (merge_exec(out, out_path, sql))
		return -1;
	/* windows appended with new ids, their per-stack counts with the merged stack ids */
	if (merge_exec(
		    out, out_path,
		    "CREATE TEMP TABLE IF NOT EXISTS w_off(v INTEGER); DELETE FROM temp.w_off;"
		    "INSERT INTO temp.w_off(v) SELECT COALESCE(MAX(id), 0) FROM main.windows;"
		    "INSERT INTO main.windows(id, start_ns, armed_ns, tail_ns, allocs, frees, "
		    "tail_frees, bytes, target_cpu_ns, lost_ns, saturation, exposure_ns, "
		    "exposure_lo_ns, exposure_hi_ns) SELECT w.id + o.v, w.start_ns, w.armed_ns, "
		    "w.tail_ns, w.allocs, w.frees, w.tail_frees, w.bytes, w.target_cpu_ns, "
		    "w.lost_ns, w.saturation, w.exposure_ns, w.exposure_lo_ns, w.exposure_hi_ns "
		    "FROM temp.s_windows w, temp.w_off o;"
		    "INSERT INTO main.window_stats(window_id, stack_id, allocs, bytes) "
		    "SELECT ws.window_id + o.v, m.dst, "
		    "SUM(ws.allocs), SUM(ws.bytes) FROM temp.s_window_stats ws JOIN temp.s_map m "
		    "ON m.src = ws.stack_id, temp.w_off o GROUP BY ws.window_id, m.dst;"))
		return -1;
	if (k == 0) /* every other meta key (hostname, probes, ...) as in the first input */
		return merge_exec(out, out_path,
				  "INSERT OR IGNORE INTO main.meta(key, value) SELECT key, value "
				  "FROM temp.s_meta");
	return 0;
}
