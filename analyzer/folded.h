/* folded.h: `arenaprof folded`, Brendan Gregg's folded stacks (flamegraph.pl, inferno,
 * speedscope). */
#ifndef ARENAPROF_FOLDED_H
#define ARENAPROF_FOLDED_H

#include <stdio.h>
#include <sqlite3.h>

enum folded_metric { FOLDED_COUNT, FOLDED_BYTES };

struct folded_line {
	char *stack; /* outermost;...;call site;kind */
	long long value;
};

struct folded {
	struct folded_line *v;
	size_t n;
};

/* Reads every (stack, kind) of the profile into merged, sorted lines (lines whose value is 0,
 * e.g. malloc(0) with --metric bytes, are left out). 0, or -1 after an error message. */
int folded_load(sqlite3 *db, const char *path, enum folded_metric metric, struct folded *out);
void folded_write(FILE *f, const struct folded *lines);
void folded_free(struct folded *lines);

#endif
