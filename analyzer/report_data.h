/* report_data.h: what `report` shows, read from a profile: the recording (meta), the totals
 * (counters) and the call sites. Shared by the text and the JSON report. */
#ifndef ARENAPROF_REPORT_DATA_H
#define ARENAPROF_REPORT_DATA_H

#include <stddef.h>
#include <sqlite3.h>

/* The module string of a frame outside any file mapping, and the function of an allocation
 * whose stack has no frame at all (unwinding found nothing). */
#define AN_UNKNOWN "[unknown]"

struct an_info {
	/* meta: strings are NULL when the key is absent */
	char *command;
	long long pid;
	int has_pid;
	double duration_s;
	int has_duration;
	char *end_reason;
	char *target_exit;
	int closed; /* meta closed = 1 */
	char *mode;
	char *unwind;
	/* counters (0 when absent) */
	long long allocs, bytes, frees, lost_events;
	/* SUM(alloc_stats.allocs), SUM(alloc_stats.bytes) */
	long long recorded_allocs, recorded_bytes;
};

struct an_kind {
	char *kind;
	long long allocs;
};

/* A call site: the frame at stack_frames.pos = 0, grouped by (function, file, line, module). */
struct an_site {
	char *function;
	char *file; /* NULL without debug info */
	long long line;
	int has_line;
	char *module; /* modules.path, AN_UNKNOWN without a module */
	long long allocs, bytes, size_min, size_max;
	long long stacks; /* distinct stacks reaching this site */
	struct an_kind *kinds; /* allocs per allocator function, by name */
	size_t nkinds;
};

struct an_sites {
	struct an_site *v;
	size_t n;
};

/* Each: 0, or -1 after an error message naming path. */
int an_info_load(sqlite3 *db, const char *path, struct an_info *info);
void an_info_free(struct an_info *info);

/* All sites, sorted by allocs desc, bytes desc, function, then file, line, module. */
int an_sites_load(sqlite3 *db, const char *path, struct an_sites *sites);
void an_sites_free(struct an_sites *sites);

#endif
