/* folded_lines.c: the lines of `arenaprof folded` being built and written (see folded.h): names
 * interned once and made safe for the format (';' becomes ':', control characters spaces,
 * invalid UTF-8 bytes U+FFFD, NULL or "" is [unknown]), lines as sequences of name ids, sorted
 * by their names and merged (summed) when identical. Shared by the allocation lines (folded.c)
 * and the CPU lines (folded_cpu.c). */
#define _POSIX_C_SOURCE 200809L
#include "folded.h"

#include <stdlib.h>
#include <string.h>

#include "an_util.h"
#include "utf8.h"

#define UNKNOWN_FRAME "[unknown]"

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
