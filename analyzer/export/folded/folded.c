/* folded.c: `arenaprof folded`: one line per (stack, allocator function), frames from the
 * outermost to the call site joined by ';', then ';' and the allocator function, a space and the
 * value (allocation count or bytes). Names are made safe for the format: ';' becomes ':',
 * control characters (newlines) become spaces, invalid UTF-8 bytes U+FFFD; spaces are kept
 * (readers split on the last one). Lines that come out identical (e.g. one function called from
 * two lines) are merged. */
#define _POSIX_C_SOURCE 200809L
#include "folded.h"

#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "utf8.h"

#define UNKNOWN_FRAME "[unknown]"

/* Every frame's name, interned once (frame ids in order, for a binary search). */
static const char frames_sql[] = "SELECT id, function FROM frames ORDER BY id";

/* One row per frame of each (stack, kind), outermost frame first; a stack without any frame
 * gives one row with a NULL frame id. */
static const char folded_sql[] = "SELECT a.stack_id, a.kind, a.allocs, a.bytes, sf.frame_id "
				 "FROM alloc_stats a "
				 "LEFT JOIN stack_frames sf ON sf.stack_id = a.stack_id "
				 "ORDER BY a.stack_id, a.kind, sf.pos DESC";

struct frame_names {
	long long *frame; /* frames.id, ascending */
	uint32_t *name; /* interned name of frame[i] */
	size_t n;
};

void folded_init(struct folded *out)
{
	memset(out, 0, sizeof(*out));
	name_table_init(&out->names);
}

uint32_t folded_intern(struct folded *out, const char *name)
{
	size_t n, i, len, blen = 0;
	unsigned cp;
	char *b;

	if (!name || !*name)
		name = UNKNOWN_FRAME;
	n = strlen(name);
	if (3 * n + 1 > out->buf_cap) { /* worst case: every byte invalid, 3 bytes of U+FFFD */
		out->buf_cap = 3 * n + 1;
		out->buf = an_realloc(out->buf, out->buf_cap);
	}
	b = out->buf;
	for (i = 0; i < n; i += len) {
		const unsigned char *c = (const unsigned char *)name + i;

		len = utf8_seq(c, n - i, &cp);
		if (len == 0) {
			memcpy(b + blen, "\xef\xbf\xbd", 3); /* U+FFFD */
			blen += 3;
			len = 1;
		} else if (len == 1) {
			b[blen++] = *c == ';' ? ':' : (*c < 0x20 || *c == 0x7f) ? ' ' : (char)*c;
		} else {
			memcpy(b + blen, c, len);
			blen += len;
		}
	}
	return name_table_intern(&out->names, b, blen);
}

void folded_push(struct folded *out, struct folded_line *line, uint32_t id)
{
	if (out->nids == out->cap_ids) {
		out->cap_ids = out->cap_ids ? out->cap_ids * 2 : 4096;
		out->ids = an_realloc(out->ids, out->cap_ids * sizeof(*out->ids));
	}
	out->ids[out->nids++] = id;
	line->len++;
}

struct folded_line *folded_new_line(struct folded *out, long long value)
{
	struct folded_line *l;

	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 256;
		out->v = an_realloc(out->v, out->cap * sizeof(*out->v));
	}
	l = &out->v[out->n++];
	l->start = out->nids;
	l->len = 0;
	l->value = value;
	return l;
}

/* qsort has no context argument: the ids array of the lines being sorted. */
static const uint32_t *sort_ids;

static int cmp_lines(const void *pa, const void *pb)
{
	const struct folded_line *a = pa, *b = pb;
	uint32_t i, n = a->len < b->len ? a->len : b->len;

	for (i = 0; i < n; i++)
		if (sort_ids[a->start + i] != sort_ids[b->start + i])
			return sort_ids[a->start + i] < sort_ids[b->start + i] ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

/* Ids become ranks in byte order, so that lines sort by name (frame by frame); then identical
 * lines are summed and lines of value 0 dropped. -1 if a sum overflows. */
int folded_merge(struct folded *out)
{
	uint32_t *rank = name_table_ranks(&out->names);
	uint32_t *by_rank = an_malloc(out->names.n * sizeof(*by_rank));
	size_t i, j = 0;
	int rc = 0;

	for (i = 0; i < out->names.n; i++)
		by_rank[rank[i]] = (uint32_t)i;
	for (i = 0; i < out->nids; i++)
		out->ids[i] = rank[out->ids[i]];
	sort_ids = out->ids;
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_lines);
	for (i = 0; i < out->n && rc == 0; i++) {
		if (j > 0 && cmp_lines(&out->v[j - 1], &out->v[i]) == 0)
			rc = an_add(&out->v[j - 1].value, out->v[i].value);
		else
			out->v[j++] = out->v[i];
	}
	out->n = j;
	for (i = 0, j = 0; i < out->n; i++)
		if (out->v[i].value != 0)
			out->v[j++] = out->v[i];
	out->n = j;
	for (i = 0; i < out->nids; i++)
		out->ids[i] = by_rank[out->ids[i]];
	free(by_rank);
	free(rank);
	return rc;
}

static int load_frames(sqlite3 *db, const char *path, struct folded *out, struct frame_names *fn)
{
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "frames", frames_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fn->n == cap) {
			cap = cap ? cap * 2 : 1024;
			fn->frame = an_realloc(fn->frame, cap * sizeof(*fn->frame));
			fn->name = an_realloc(fn->name, cap * sizeof(*fn->name));
		}
		fn->frame[fn->n] = sqlite3_column_int64(st, 0);
		fn->name[fn->n] = folded_intern(out, (const char *)sqlite3_column_text(st, 1));
		fn->n++;
	}
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "frames");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* The interned name of the frame in column col of st ([unknown] for NULL or a missing frame). */
static uint32_t frame_name(struct folded *out, const struct frame_names *fn, sqlite3_stmt *st,
			   int col)
{
	size_t lo = 0, hi = fn->n;
	long long id;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return folded_intern(out, NULL);
	id = sqlite3_column_int64(st, col);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fn->frame[mid] == id)
			return fn->name[mid];
		if (fn->frame[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return folded_intern(out, NULL);
}

int folded_load(sqlite3 *db, const char *path, enum folded_metric metric, struct folded *out)
{
	struct folded_line *line = NULL;
	struct frame_names fn = { 0 };
	long long cur_stack = 0;
	char *cur_kind = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	folded_init(out);
	if (load_frames(db, path, out, &fn))
		goto fail;
	if (an_db_prepare(db, path, "stacks", folded_sql, &st)) {
		st = NULL;
		goto fail;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long stack = sqlite3_column_int64(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);

		if (!kind)
			kind = "";
		if (!cur_kind || stack != cur_stack || strcmp(kind, cur_kind) != 0) {
			if (cur_kind)
				folded_push(out, line, folded_intern(out, cur_kind));
			free(cur_kind);
			cur_kind = an_strdup(kind);
			cur_stack = stack;
			line = folded_new_line(
				out, sqlite3_column_int64(st, metric == FOLDED_BYTES ? 3 : 2));
		}
		folded_push(out, line, frame_name(out, &fn, st, 4));
	}
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "stacks");
		goto fail;
	}
	if (cur_kind)
		folded_push(out, line, folded_intern(out, cur_kind));
	if (folded_merge(out)) {
		an_err("%s: stack totals overflow", path);
		goto fail;
	}
	sqlite3_finalize(st);
	free(cur_kind);
	free(fn.frame);
	free(fn.name);
	return 0;
fail:
	sqlite3_finalize(st);
	free(cur_kind);
	free(fn.frame);
	free(fn.name);
	folded_free(out);
	return -1;
}

int folded_load_metric(sqlite3 *db, const char *path, enum folded_metric metric, struct folded *out)
{
	if (metric == FOLDED_CPU || metric == FOLDED_ALLOC_CPU)
		return folded_load_cpu(db, path, metric == FOLDED_ALLOC_CPU, out);
	return folded_load(db, path, metric, out);
}

void folded_write(FILE *f, const struct folded *lines)
{
	size_t i;
	uint32_t k;

	for (i = 0; i < lines->n; i++) {
		const struct folded_line *l = &lines->v[i];

		for (k = 0; k < l->len; k++) {
			if (k > 0)
				fputc(';', f);
			fputs(lines->names.names[lines->ids[l->start + k]], f);
		}
		fprintf(f, " %lld\n", l->value);
	}
}

void folded_free(struct folded *lines)
{
	name_table_free(&lines->names);
	free(lines->buf);
	free(lines->ids);
	free(lines->v);
	memset(lines, 0, sizeof(*lines));
}
