/* folded.c: `arenaprof folded`: one line per (stack, allocator function), frames from the
 * outermost to the call site joined by ';', then ';' and the allocator function, a space and the
 * value (allocation count or bytes). Names are made safe for the format: ';' becomes ':',
 * control characters (newlines) become spaces, invalid UTF-8 bytes U+FFFD; spaces are kept
 * (readers split on the last one). Lines that come out identical (e.g. one function called from
 * two lines) are merged (the lines themselves: folded_lines.c). */
#define _POSIX_C_SOURCE 200809L
#include "folded.h"

#include <stdlib.h>
#include <string.h>

#include "an_util.h"

/* The interned name of a frame id ([unknown] for NULL or a missing frame). */
static uint32_t frame_name(struct folded *out, const struct an_frames *t, const uint32_t *names,
			   long long id)
{
	size_t i = id == AN_NULL_FRAME_ID ? AN_NO_INDEX : an_frame_find(t, id);

	return i == AN_NO_INDEX ? folded_intern(out, NULL) : names[i];
}

int folded_from_alloc(const struct an_frames *t, const struct an_alloc_stacks *s,
		      enum folded_metric metric, const char *path, struct folded *out)
{
	uint32_t *names = an_malloc((t->n + 1) * sizeof(*names));
	struct folded_line *line = NULL;
	const char *cur_kind = NULL;
	long long cur_stack = 0;
	size_t i, k;

	folded_init(out);
	for (i = 0; i < t->n; i++) /* every frame's name, interned once */
		names[i] = folded_intern(out, t->v[i].function);
	for (i = 0; i < s->n; i++) {
		const struct an_alloc_row *r = &s->v[i];
		const char *kind = r->kind ? r->kind : "";

		/* one line per (stack, allocator function), frames outermost first */
		if (!cur_kind || r->stack_id != cur_stack || strcmp(kind, cur_kind) != 0) {
			if (cur_kind)
				folded_push(out, line, folded_intern(out, cur_kind));
			cur_kind = kind;
			cur_stack = r->stack_id;
			line = folded_new_line(out, metric == FOLDED_BYTES ? r->bytes : r->allocs);
		}
		for (k = r->len; k-- > 0;)
			folded_push(out, line,
				    frame_name(out, t, names, s->frame_ids[r->start + k]));
	}
	if (cur_kind)
		folded_push(out, line, folded_intern(out, cur_kind));
	free(names);
	if (folded_merge(out)) {
		an_err("%s: stack totals overflow", path);
		folded_free(out);
		return -1;
	}
	return 0;
}

int folded_load(sqlite3 *db, const char *path, enum folded_metric metric, struct folded *out)
{
	struct an_alloc_stacks s;
	struct an_frames t;
	int rc;

	folded_init(out); /* what the caller finds after an error */
	if (an_frames_load(db, path, &t))
		return -1;
	if (an_alloc_stacks_load(db, path, &s)) {
		an_frames_free(&t);
		return -1;
	}
	rc = folded_from_alloc(&t, &s, metric, path, out);
	an_alloc_stacks_free(&s);
	an_frames_free(&t);
	return rc;
}

int folded_load_metric(sqlite3 *db, const char *path, enum folded_metric metric, struct folded *out)
{
	if (metric == FOLDED_CPU || metric == FOLDED_ALLOC_CPU)
		return folded_load_cpu(db, path, metric == FOLDED_ALLOC_CPU, out);
	return folded_load(db, path, metric, out);
}
