/* merge_stacks.c: the staged input's stacks matched to the output's by their sequence of merged
 * frame ids (temp.st_key, keyed by that sequence as a blob of int64s); a stack not seen yet is
 * inserted with its stack_frames. Fills temp.s_map(src stack id, output stack id). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "an_util.h"
#include "merge.h"

enum { Q_SRC, Q_KEY, Q_STACK, Q_FRAME, Q_NEWKEY, Q_MAP, NQ };

static const char *const sqls[NQ] = {
	[Q_SRC] = "SELECT s.id, s.depth, s.truncated, sf.frame_id, fm.dst FROM temp.s_stacks s "
		  "LEFT JOIN temp.s_stack_frames sf ON sf.stack_id = s.id LEFT JOIN temp.f_map fm "
		  "ON fm.src = sf.frame_id ORDER BY s.id, sf.pos",
	[Q_KEY] = "SELECT dst FROM temp.st_key WHERE key = ?",
	[Q_STACK] = "INSERT INTO main.stacks(depth, truncated) VALUES (?, ?)",
	[Q_FRAME] = "INSERT INTO main.stack_frames(stack_id, pos, frame_id) VALUES (?, ?, ?)",
	[Q_NEWKEY] = "INSERT INTO temp.st_key(key, dst) VALUES (?, ?)",
	[Q_MAP] = "INSERT INTO temp.s_map(src, dst) VALUES (?, ?)",
};

struct pending {
	long long src, depth, truncated;
	long long *frames;
	size_t n, cap;
};

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Maps the pending source stack to an output stack, inserting one if its frames are new. */
static int flush(sqlite3 *out, sqlite3_stmt **st, struct pending *p)
{
	long long dst = -1;
	size_t i;

	sqlite3_bind_blob(st[Q_KEY], 1, p->frames, (int)(p->n * sizeof(long long)), SQLITE_STATIC);
	if (sqlite3_step(st[Q_KEY]) == SQLITE_ROW)
		dst = sqlite3_column_int64(st[Q_KEY], 0);
	sqlite3_reset(st[Q_KEY]);
	if (dst < 0) {
		sqlite3_bind_int64(st[Q_STACK], 1, p->depth);
		sqlite3_bind_int64(st[Q_STACK], 2, p->truncated);
		if (step_done(st[Q_STACK]))
			return -1;
		dst = sqlite3_last_insert_rowid(out);
		for (i = 0; i < p->n; i++) {
			sqlite3_bind_int64(st[Q_FRAME], 1, dst);
			sqlite3_bind_int64(st[Q_FRAME], 2, (long long)i);
			sqlite3_bind_int64(st[Q_FRAME], 3, p->frames[i]);
			if (step_done(st[Q_FRAME]))
				return -1;
		}
		sqlite3_bind_blob(st[Q_NEWKEY], 1, p->frames, (int)(p->n * sizeof(long long)),
				  SQLITE_STATIC);
		sqlite3_bind_int64(st[Q_NEWKEY], 2, dst);
		if (step_done(st[Q_NEWKEY]))
			return -1;
	}
	sqlite3_bind_int64(st[Q_MAP], 1, p->src);
	sqlite3_bind_int64(st[Q_MAP], 2, dst);
	return step_done(st[Q_MAP]);
}

int merge_stacks(sqlite3 *out, const char *out_path, const char *in_path)
{
	sqlite3_stmt *st[NQ] = { 0 };
	struct pending p = { .src = -1, .cap = 64 };
	int i, rc, ret = -1;

	p.frames = an_malloc(p.cap * sizeof(long long));
	for (i = 0; i < NQ; i++)
		if (sqlite3_prepare_v2(out, sqls[i], -1, &st[i], NULL) != SQLITE_OK)
			goto sqlerr;
	while ((rc = sqlite3_step(st[Q_SRC])) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st[Q_SRC], 0);

		if (id != p.src || p.src < 0) {
			if (p.src >= 0 && flush(out, st, &p))
				goto sqlerr;
			p.src = id;
			p.depth = sqlite3_column_int64(st[Q_SRC], 1);
			p.truncated = sqlite3_column_int64(st[Q_SRC], 2);
			p.n = 0;
		}
		if (sqlite3_column_type(st[Q_SRC], 3) == SQLITE_NULL)
			continue; /* a stack without frames */
		if (sqlite3_column_type(st[Q_SRC], 4) == SQLITE_NULL) {
			an_err("%s is inconsistent: stack %lld refers to frame %lld, which is not in "
			       "frames",
			       in_path, id, sqlite3_column_int64(st[Q_SRC], 3));
			goto done;
		}
		if (p.n == p.cap) {
			p.cap *= 2;
			p.frames = an_realloc(p.frames, p.cap * sizeof(long long));
		}
		p.frames[p.n++] = sqlite3_column_int64(st[Q_SRC], 4);
	}
	if (rc != SQLITE_DONE || (p.src >= 0 && flush(out, st, &p)))
		goto sqlerr;
	ret = 0;
	goto done;
sqlerr:
	an_err("cannot write %s: %s", out_path, sqlite3_errmsg(out));
done:
	for (i = 0; i < NQ; i++)
		sqlite3_finalize(st[i]);
	free(p.frames);
	return ret;
}
