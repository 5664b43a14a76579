/* folded.h: `arenaprof folded`, Brendan Gregg's folded stacks (flamegraph.pl, inferno,
 * speedscope). */
#ifndef ARENAPROF_FOLDED_H
#define ARENAPROF_FOLDED_H

#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "alloc_stacks.h"
#include "cpu_stacks.h"
#include "name_table.h"
#include "profile_frames.h"

/* count, bytes: allocation stacks (alloc_stats); cpu: every CPU sample; alloc-cpu: the CPU
 * samples of allocator work (cpu_share.h). */
enum folded_metric { FOLDED_COUNT, FOLDED_BYTES, FOLDED_CPU, FOLDED_ALLOC_CPU };

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
	char *buf; /* folded_intern's scratch */
	size_t buf_cap;
};

/* Reads every (stack, kind) of the profile into merged lines sorted by their names (lines whose
 * value is 0, e.g. malloc(0) with --metric bytes, are left out). 0, or -1 after an error
 * message. */
int folded_load(sqlite3 *db, const char *path, enum folded_metric metric, struct folded *out);
/* The same from a profile already read (the frames and allocation stacks of profile/): the lines
 * as a function of the model. 0, or -1 after an error message naming path (out freed). */
int folded_from_alloc(const struct an_frames *t, const struct an_alloc_stacks *s,
		      enum folded_metric metric, const char *path, struct folded *out);
/* The CPU samples (cpu_stats) as lines: frames from the outermost user frame to the leaf, kernel
 * frames last (on top, as perf shows them), the value in samples; alloc_only: only the samples of
 * allocator work, without the profiler's overhead (folded_cpu.c). */
int folded_load_cpu(sqlite3 *db, const char *path, int alloc_only, struct folded *out);
/* The same from CPU stacks already read (cpu_stacks.h). */
int folded_from_cpu(const struct cpu_profile *p, int alloc_only, const char *path,
		    struct folded *out);

/* folded_load, or folded_load_cpu for cpu and alloc-cpu. */
int folded_load_metric(sqlite3 *db, const char *path, enum folded_metric metric,
		       struct folded *out);

void folded_write(FILE *f, const struct folded *lines);
void folded_free(struct folded *lines);

/* Building lines (folded_lines.c): a line is started with folded_new_line, gets its names with
 * folded_push (interned by folded_intern, which makes them safe for the format; NULL or "" is
 * [unknown]), and folded_merge sorts and merges all lines at the end (-1 if a sum overflows). */
void folded_init(struct folded *out);
uint32_t folded_intern(struct folded *out, const char *name);
struct folded_line *folded_new_line(struct folded *out, long long value);
void folded_push(struct folded *out, struct folded_line *line, uint32_t id);
int folded_merge(struct folded *out);

#endif
