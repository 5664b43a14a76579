/* pprof_profile.h: a pprof profile (perftools.profiles.Profile, profile.proto) being built in
 * memory: the string table, functions, locations (with their lines, inlined frames innermost
 * first), mappings and samples, deduplicated as they are added; pprof_encode writes it in the
 * protobuf wire format (pprof_encode.c). Ids are 1-based as profile.proto wants (0: none). */
#ifndef ARENAPROF_PPROF_PROFILE_H
#define ARENAPROF_PPROF_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "name_table.h"
#include "pprof_enc.h"

#define PPROF_MAX_VALUES 2

struct pprof_line {
	uint64_t function_id;
	int64_t line; /* 0: unknown */
};

struct pprof_function {
	int64_t name, filename; /* string table indexes */
};

struct pprof_location {
	uint64_t mapping_id; /* 0: outside any mapping */
	uint64_t address;
	size_t line_start; /* into lines */
	uint32_t nlines;
};

struct pprof_mapping {
	int64_t filename, build_id;
	uint64_t limit; /* one past the largest address of its locations */
	unsigned has_filenames : 1, has_line_numbers : 1, has_inline_frames : 1;
};

struct pprof_sample {
	size_t loc_start; /* into sample_locs */
	uint32_t nlocs;
	int64_t value[PPROF_MAX_VALUES];
};

struct pprof_profile {
	struct name_table strings; /* index 0 is "" */
	struct name_table function_keys; /* id = function index */
	struct pprof_function *functions;
	size_t nfunctions, cap_functions;
	struct name_table location_keys; /* id = location index */
	struct pprof_location *locations;
	size_t nlocations, cap_locations;
	struct pprof_line *lines;
	size_t nlines, cap_lines;
	struct pprof_mapping *mappings;
	size_t nmappings, cap_mappings;
	struct pprof_sample *samples;
	size_t nsamples, cap_samples;
	uint64_t *sample_locs;
	size_t nsample_locs, cap_sample_locs;

	/* the header: string table indexes and numbers */
	int nvalues; /* sample types, 1..PPROF_MAX_VALUES */
	int64_t sample_type[PPROF_MAX_VALUES][2]; /* type, unit */
	int64_t default_sample_type; /* 0: pprof's default (the last type) */
	int64_t period_type[2];
	int64_t period;
	int64_t time_nanos, duration_nanos;
	int64_t *comments;
	size_t ncomments;

	char *buf; /* pprof_string's scratch */
	size_t buf_cap;
};

void pprof_init(struct pprof_profile *p);
void pprof_free(struct pprof_profile *p);

/* The string table index of s, added if new. NULL is "" (index 0). Strings are made valid
 * UTF-8 (invalid bytes become U+FFFD; protobuf strings must be UTF-8) and control characters
 * become spaces (pprof's text outputs are line-based). */
int64_t pprof_string(struct pprof_profile *p, const char *s);
/* The function of this name and file (NULL: unknown), added if new. */
uint64_t pprof_function(struct pprof_profile *p, const char *name, const char *file);
/* A new mapping of an object file (path, GNU build id); its id. */
uint64_t pprof_mapping(struct pprof_profile *p, const char *path, const char *build_id);
/* The location named key (any text identifying it, e.g. its frames), added with these lines
 * (innermost first) if new; its id. */
uint64_t pprof_location(struct pprof_profile *p, const char *key, uint64_t mapping_id,
			uint64_t address, const struct pprof_line *lines, uint32_t nlines);
/* A sample: its locations, leaf first, and p->nvalues values. */
void pprof_sample(struct pprof_profile *p, const uint64_t *locs, uint32_t nlocs,
		  const int64_t *values);
void pprof_comment(struct pprof_profile *p, const char *text);
/* pprof takes the first mapping for the main binary (go tool pprof's "File:", the main binary of
 * profiling backends): moves the first mapping that is neither a shared object nor a pseudo-file
 * ([kernel.kallsyms]) to the front. Call after the last location was added. */
void pprof_main_mapping_first(struct pprof_profile *p);

/* The whole profile as a serialized Profile message (pprof_encode.c). */
void pprof_encode(const struct pprof_profile *p, struct pb_buf *out);

#endif
