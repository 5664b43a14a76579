/* filter.c: a stream filter with a per-input loop, for the loop-iteration tests
 * (tests/agent/test_loops.py). Usage: filter N [keep] [--wait]
 * main reads N records ("id,name,city,score" lines, generated in memory and read with getline as
 * from a pipe) in one loop: parse_record allocates a record and its three fields (strndup),
 * emit uses it, free_record frees it before the next line. Every record dies within one
 * iteration of main's loop, and main lasts the whole run: the arena goes in the loop (reset per
 * record), never around main. The lines marked LOOP_x are the loop's two calls.
 * keep: the negative case: main keeps each record until the next one is parsed (as a filter
 * comparing neighbours would), so a record outlives its iteration: freed in the next one. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wait_go.h"

#define NOINLINE __attribute__((noinline, noipa))

struct record {
	long id, score;
	char *name, *city, *tag;
};

static char *make_input(long n, size_t *len)
{
	static const char *const cities[] = { "Oslo", "Lima", "Accra", "Hanoi", "Quito" };
	size_t cap = (size_t)n * 64 + 1, off = 0;
	char *text = malloc(cap);

	if (!text)
		abort();
	for (long i = 0; i < n; i++)
		off += (size_t)snprintf(text + off, cap - off, "%ld,user%ld,%s,%ld\n", i, i * 7919,
					cities[i % 5], (i * 31) % 1000);
	*len = off;
	return text;
}

NOINLINE static char *field(const char *s, const char **end)
{
	size_t n = strcspn(s, ",\n");

	*end = s[n] ? s + n + 1 : s + n;
	return strndup(s, n);
}

NOINLINE static struct record *parse_record(const char *line)
{
	struct record *r = malloc(sizeof(*r)); /* RECORD_MALLOC */
	const char *p = line;
	char *id;

	if (!r)
		abort();
	id = field(p, &p);
	r->id = atol(id);
	free(id);
	r->name = field(p, &p);
	r->city = field(p, &p);
	r->score = atol(p);
	r->tag = strdup(r->score > 500 ? "high" : "low");
	return r;
}

NOINLINE static long emit(const struct record *r)
{
	return r->id + r->score + (long)strlen(r->name) + (long)strlen(r->city) + r->tag[0];
}

NOINLINE static void free_record(struct record *r)
{
	free(r->tag);
	free(r->city);
	free(r->name);
	free(r);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000, sum = 0;
	int keep = argc > 2 && !strcmp(argv[2], "keep");
	size_t len, cap = 0;
	char *text, *line = NULL;
	struct record *prev = NULL;
	FILE *in;

	if (argc < 2)
		return 2;
	wait_go_if_asked(argc, argv);
	text = make_input(n, &len);
	in = fmemopen(text, len, "r");
	if (!in)
		return 1;
	while (getline(&line, &cap, in) > 0) {
		struct record *r = parse_record(line); /* LOOP_PARSE */

		sum += emit(r);
		if (!keep) {
			free_record(r); /* LOOP_FREE */
			continue;
		}
		if (prev) /* the previous record, allocated in the previous iteration */
			free_record(prev); /* KEEP_FREE */
		prev = r;
	}
	if (prev)
		free_record(prev);
	fclose(in);
	free(line);
	free(text);
	printf("sum=%ld\n", sum);
	return 0;
}
