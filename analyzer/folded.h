/* folded.h: `arenaprof folded`, Brendan Gregg's folded stacks (flamegraph.pl, inferno,
 * speedscope). */
#ifndef ARENAPROF_FOLDED_H
#define ARENAPROF_FOLDED_H

#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "name_table.h"

enum folded_metric { FOLDED_COUNT, FOLDED_BYTES };

/* A line is a sequence of interned names (outermost frame ... call site, allocator function):
 * a profile's stacks share most of their frames, so this is far smaller than the text. */
struct folded_line {
	size_t start; /* into ids */
	uint32_t len;
	long long value;
};

struct folded {
	struct name_table names;
	uint32_t *ids;
	size_t nids, cap_ids;
	struct folded_line *v;
	size_t n, cap;
};

/* Reads every (stack, kind) of the profile into merged lines sorted by their names (lines whose
 * value is 0, e.g. malloc(0) with --metric bytes, are left out). 0, or -1 after an error
 * message. */
int folded_load(sqlite3 *db, const char *path, enum folded_metric metric, struct folded *out);
void folded_write(FILE *f, const struct folded *lines);
void folded_free(struct folded *lines);

#endif
