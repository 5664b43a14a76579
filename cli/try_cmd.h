/* try_cmd.h: `arenaprof try`: measure a candidate instead of predicting it. The candidate's call
 * sites (from the profile's analysis, as `report` shows them) are routed into arena memory by an
 * LD_PRELOAD interposer (arena/preload/) in runs of the unmodified command, paired with plain
 * runs; the CPU time and peak RSS of both are printed (docs/try.md).
 *
 *   arenaprof try [--candidate N] [--pairs N] [--chunk BYTES] [--bare] [--keep DIR]
 *                 [--wrapper REGEX]... [--no-wrappers] PROFILE.db -- CMD [ARGS...]
 *   arenaprof try [--candidate N] [--wrapper REGEX]... [--no-wrappers] --sites-out FILE PROFILE.db
 */
#ifndef ARENAPROF_TRY_CMD_H
#define ARENAPROF_TRY_CMD_H

#include <stdio.h>

#include "report.h"

/* Exit code: 0 ok, 1 error (one line "arenaprof: <reason>"), 2 usage error. */
int cmd_try(int argc, char **argv);

/* Writes the sites file of candidate c (try_sites.h's format: "DEPTH OFFSET MODULE" per return
 * address) to f; db is open with r's fold attached. *addresses: lines written. 0, or -1 after an
 * error message. */
int try_write_sites(sqlite3 *db, const char *path, const struct an_candidate *c, FILE *f,
		    long long *addresses);

/* The GNU build id of the ELF file at path, as lowercase hex (try_build_id.c). 0, or -1 when
 * the file is unreadable or has none. */
int try_file_build_id(const char *path, char *out, size_t size);

/* The runs (try_run.c). */
struct try_opts {
	char **cmd; /* NULL-terminated */
	const char *lib; /* the interposer */
	const char *sites; /* the sites file */
	const char *chunk; /* ARENAPROF_TRY_CHUNK, NULL: the default */
	const char *dir; /* where outputs and counters go */
	int pairs;
	int bare; /* the plain run without the interposer */
};
/* Runs the pairs and prints the measurements to out. 0, or 1 after an error message. */
int try_run_pairs(const struct try_opts *o, FILE *out);

#endif
