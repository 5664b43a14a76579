/* profile_frames.h: the frames and modules tables of a profile in memory, as stored, read by one
 * loader for every output that names frames (the CPU stacks, folded lines, pprof locations). */
#ifndef ARENAPROF_PROFILE_FRAMES_H
#define ARENAPROF_PROFILE_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

/* One frames row. Text that is NULL or empty reads as NULL, a NULL number as 0. */
struct an_frame {
	long long id;
	long long module_id; /* 0 when NULL (has_module 0) */
	int has_module;
	long long offset, inline_depth;
	long long line; /* 0 when NULL (has_line 0) */
	int has_line;
	char *function, *file;
};

/* One modules row (path, build_id: NULL when NULL or empty). */
struct an_module {
	long long id;
	char *path, *build_id;
};

struct an_frames {
	struct an_frame *v; /* by id, ascending */
	size_t n;
	struct an_module *modules; /* by id, ascending */
	size_t nmodules;
};

/* The index of an absent frame or module. */
#define AN_NO_INDEX SIZE_MAX

/* Reads every frame and module. 0, or -1 after an error message naming path (nothing to free
 * then). */
int an_frames_load(sqlite3 *db, const char *path, struct an_frames *fr);
void an_frames_free(struct an_frames *fr);
/* The index of frames.id id (of modules.id id), AN_NO_INDEX when there is none. */
size_t an_frame_find(const struct an_frames *fr, long long id);
size_t an_module_find(const struct an_frames *fr, long long id);

#endif
