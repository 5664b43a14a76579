/* pprof_frames.h: the profile database's frames and modules as pprof functions, locations and
 * mappings (pprof_frames.c), shared by the allocation and the CPU samples (pprof_samples.c). */
#ifndef ARENAPROF_PPROF_FRAMES_H
#define ARENAPROF_PPROF_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "pprof_profile.h"
#include "profile_frames.h"

struct pprof_frames {
	struct an_frames t; /* the profile's frames and modules (profile_frames.h) */
	uint64_t *function_id; /* per frame of t, 0 until first used */
	uint64_t *mapping_id; /* per module of t, 0 until first used */
	/* pprof_stack's scratch */
	uint64_t *locs;
	size_t cap_locs;
	struct pprof_line *lines;
	size_t cap_lines;
	char *key;
	size_t key_cap;
};

/* A stack position whose frame is missing (a NULL or dangling frame id). */
#define PPROF_NO_FRAME (-1LL)

int pprof_frames_load(sqlite3 *db, const char *path, struct pprof_frames *fr);
void pprof_frames_free(struct pprof_frames *fr);

/* The locations of a stack given as frame ids, innermost first (PPROF_NO_FRAME: [unknown]),
 * into fr->locs, leaf first, after the location leaf when it is not 0; returns their count. The frames of one
 * address (same module and offset, inline_depth increasing outward) are one location whose lines
 * are those frames, innermost first; an empty stack is the one location [unknown]. */
size_t pprof_stack(struct pprof_profile *p, struct pprof_frames *fr, uint64_t leaf,
		   const long long *frame_ids, size_t n);
/* The location of a function with no frame: the allocator function (kind) of an allocation,
 * the leaf of its sample. */
uint64_t pprof_named_location(struct pprof_profile *p, const char *name);

#endif
