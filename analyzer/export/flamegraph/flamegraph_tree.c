/* flamegraph_tree.c: folded lines to a tree of frames. The lines are sorted by their names frame
 * by frame, so the lines through a frame are adjacent: each line shares a prefix with the current
 * path and opens new frames for the rest, placed right after their earlier siblings. */
#include "flamegraph.h"

#include <stdlib.h>
#include <string.h>

#include "an_util.h"

static size_t new_node(struct fg_tree *t, uint32_t name, size_t parent)
{
	struct fg_node *p, *c;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->v = an_realloc(t->v, t->cap * sizeof(*t->v));
	}
	c = &t->v[t->n];
	memset(c, 0, sizeof(*c));
	c->name = name;
	if (t->n > 0) {
		p = &t->v[parent];
		c->parent = parent;
		c->depth = p->depth + 1;
		c->x = p->x + p->children;
		if (c->depth > t->max_depth)
			t->max_depth = c->depth;
	}
	return t->n++;
}

int fg_build(const struct folded *lines, const char *path, struct fg_tree *out)
{
	size_t *cur = NULL, ncur = 1, cap = 0, i, j;

	memset(out, 0, sizeof(*out));
	new_node(out, 0, 0);
	for (i = 0; i < lines->n; i++) {
		const struct folded_line *l = &lines->v[i];
		const uint32_t *ids = lines->ids + l->start;
		size_t k = 0;

		if (l->value < 0) {
			an_err("%s: negative stack value %lld", path, l->value);
			goto fail;
		}
		if (an_add(&out->v[0].value, l->value)) {
			an_err("%s: stack totals overflow", path);
			goto fail;
		}
		if (l->len + 1 > cap) {
			cap = l->len + 1 > 2 * cap ? l->len + 1 : 2 * cap;
			cur = an_realloc(cur, cap * sizeof(*cur));
		}
		cur[0] = 0;
		while (k < l->len && k + 1 < ncur && out->v[cur[k + 1]].name == ids[k])
			k++;
		for (j = k; j < l->len; j++)
			cur[j + 1] = new_node(out, ids[j], cur[j]);
		ncur = (size_t)l->len + 1;
		for (j = 1; j < ncur; j++) { /* no overflow: each is at most the root's total */
			out->v[cur[j]].value += l->value;
			out->v[cur[j - 1]].children += l->value;
		}
	}
	free(cur);
	return 0;
fail:
	free(cur);
	fg_free(out);
	return -1;
}

void fg_free(struct fg_tree *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
