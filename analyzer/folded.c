/* folded.c: `arenaprof folded`: one line per (stack, allocator function), frames from the
 * outermost to the call site joined by ';', then ';' and the allocator function, a space and the
 * value (allocation count or bytes). Names are made safe for the format: ';' becomes ':' and
 * control characters (newlines) become spaces, invalid UTF-8 bytes U+FFFD; spaces are kept
 * (readers split on the last one).
 * Lines that come out identical (e.g. one function called from two lines) are merged. */
#define _POSIX_C_SOURCE 200809L
#include "folded.h"

#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "utf8.h"

#define UNKNOWN_FRAME "[unknown]"

/* One row per frame of each (stack, kind), outermost frame first; a stack without any frame
 * gives one row with a NULL function. */
static const char folded_sql[] = "SELECT a.stack_id, a.kind, a.allocs, a.bytes, f.function "
				 "FROM alloc_stats a "
				 "LEFT JOIN stack_frames sf ON sf.stack_id = a.stack_id "
				 "LEFT JOIN frames f ON f.id = sf.frame_id "
				 "ORDER BY a.stack_id, a.kind, sf.pos DESC";

struct strbuf {
	char *s;
	size_t len, cap;
};

static void sb_add_name(struct strbuf *b, const char *name)
{
	size_t n, i;
	unsigned cp;

	if (!name || !*name)
		name = UNKNOWN_FRAME;
	n = strlen(name);
	/* Worst case: every byte invalid UTF-8, 3 bytes of U+FFFD each. */
	if (b->len + 3 * n + 2 > b->cap) {
		b->cap = (b->len + 3 * n + 2) * 2;
		b->s = an_realloc(b->s, b->cap);
	}
	if (b->len > 0)
		b->s[b->len++] = ';';
	for (i = 0; i < n;) {
		const unsigned char *c = (const unsigned char *)name + i;
		size_t len = utf8_seq(c, n - i, &cp);

		if (len == 0) {
			memcpy(b->s + b->len, "\xef\xbf\xbd", 3); /* U+FFFD */
			b->len += 3;
			i++;
		} else if (len == 1) {
			b->s[b->len++] = *c == ';'		   ? ':' :
					 (*c < 0x20 || *c == 0x7f) ? ' ' :
								     (char)*c;
			i++;
		} else {
			memcpy(b->s + b->len, c, len);
			b->len += len;
			i += len;
		}
	}
	b->s[b->len] = '\0';
}

static void add_line(struct folded *out, size_t *cap, struct strbuf *b, const char *kind,
		     long long value)
{
	sb_add_name(b, kind);
	if (out->n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		out->v = an_realloc(out->v, *cap * sizeof(*out->v));
	}
	out->v[out->n].stack = an_strndup(b->s, b->len);
	out->v[out->n].value = value;
	out->n++;
	b->len = 0;
}

static int cmp_lines(const void *pa, const void *pb)
{
	const struct folded_line *a = pa, *b = pb;

	return strcmp(a->stack, b->stack);
}

/* Sorts, sums identical lines and drops lines of value 0; -1 if a sum overflows. */
static int merge(struct folded *out)
{
	size_t i, j = 0;

	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_lines);
	for (i = 0; i < out->n; i++) {
		if (j > 0 && strcmp(out->v[j - 1].stack, out->v[i].stack) == 0) {
			if (an_add(&out->v[j - 1].value, out->v[i].value)) {
				for (; i < out->n; i++)
					free(out->v[i].stack);
				out->n = j;
				return -1;
			}
			free(out->v[i].stack);
			continue;
		}
		out->v[j++] = out->v[i];
	}
	out->n = j;
	for (i = 0, j = 0; i < out->n; i++) {
		if (out->v[i].value == 0)
			free(out->v[i].stack);
		else
			out->v[j++] = out->v[i];
	}
	out->n = j;
	return 0;
}

int folded_load(sqlite3 *db, const char *path, enum folded_metric metric, struct folded *out)
{
	struct strbuf b = { 0 };
	long long cur_stack = 0, value = 0;
	char *cur_kind = NULL;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (an_db_prepare(db, path, "stacks", folded_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long stack = sqlite3_column_int64(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);

		if (!kind)
			kind = "";
		if (!cur_kind || stack != cur_stack || strcmp(kind, cur_kind) != 0) {
			if (cur_kind)
				add_line(out, &cap, &b, cur_kind, value);
			free(cur_kind);
			cur_kind = an_strdup(kind);
			cur_stack = stack;
			value = sqlite3_column_int64(st, metric == FOLDED_BYTES ? 3 : 2);
		}
		sb_add_name(&b, (const char *)sqlite3_column_text(st, 4));
	}
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "stacks");
		goto fail;
	}
	if (cur_kind)
		add_line(out, &cap, &b, cur_kind, value);
	if (merge(out)) {
		an_err("%s: stack totals overflow", path);
		goto fail;
	}
	sqlite3_finalize(st);
	free(cur_kind);
	free(b.s);
	return 0;
fail:
	sqlite3_finalize(st);
	free(cur_kind);
	free(b.s);
	folded_free(out);
	return -1;
}

void folded_write(FILE *f, const struct folded *lines)
{
	size_t i;

	for (i = 0; i < lines->n; i++)
		fprintf(f, "%s %lld\n", lines->v[i].stack, lines->v[i].value);
}

void folded_free(struct folded *lines)
{
	size_t i;

	for (i = 0; i < lines->n; i++)
		free(lines->v[i].stack);
	free(lines->v);
	memset(lines, 0, sizeof(*lines));
}
