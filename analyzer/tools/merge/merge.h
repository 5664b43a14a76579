/* merge.h: the pieces of `arenaprof merge` (cli/merge_cmd.c): the meta agreement check and the
 * merged meta (merge_meta.c), staging one input and remapping its rows into the output
 * (merge_tables.c), and matching stacks by their frame sequence (merge_stacks.c). Each returns 0,
 * or -1 after a one-line error message. */
#ifndef ARENAPROF_MERGE_H
#define ARENAPROF_MERGE_H

#include <sqlite3.h>

/* Input k's thread ids are shifted by k * MERGE_TID_STRIDE (above any pid_max, 2^22) and its
 * verified-scope invocation ids by k << MERGE_INV_SHIFT, so rows of different runs never meet. */
#define MERGE_TID_STRIDE 10000000LL
#define MERGE_INV_SHIFT 40

/* mode, unwind, cpu_freq and track_every must be equal in every input. */
int merge_meta_check(sqlite3 **in, char **paths, int n);
/* The merged meta, written to out (inside the output transaction) after every input. */
int merge_meta_write(sqlite3 *out, const char *out_path, sqlite3 **in, char **paths, int n);

/* The temporary staging and mapping tables of the output connection. */
int merge_setup(sqlite3 *out, const char *out_path);
/* Copies input k into the staging tables and merges it into the output tables. */
int merge_input(sqlite3 *out, const char *out_path, sqlite3 *in, const char *in_path, int k);
/* Stacks of the staged input: matched by their (merged) frame sequence, new ones inserted;
 * fills temp.s_map(src, dst). */
int merge_stacks(sqlite3 *out, const char *out_path, const char *in_path);

/* Runs sql on the output; -1 after "cannot write OUT: ..." */
int merge_exec(sqlite3 *out, const char *out_path, const char *sql);

#endif
