/* an_util.h: the analyzer's small helpers: the one-line error message, allocation that exits on
 * out-of-memory, overflow-checked sums, and the output file (-o FILE or stdout). */
#ifndef ARENAPROF_AN_UTIL_H
#define ARENAPROF_AN_UTIL_H

#include <stddef.h>
#include <stdio.h>

/* Prints "arenaprof: <message>\n" on stderr. */
void an_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Out of memory prints "arenaprof: out of memory" and exits with 1. */
void *an_malloc(size_t size);
void *an_realloc(void *p, size_t size);
char *an_strdup(const char *s);
char *an_strndup(const char *s, size_t n);

/* *acc += v; -1 (acc unchanged) if it overflows. */
int an_add(long long *acc, long long v);

/* v truncated to a long long, saturated at the type's range and 0 for NaN (converting a double
 * out of range is undefined, and estimates from a crafted profile can be anything). */
long long an_to_ll(double v);

/* Opens the output: path, or stdout when path is NULL or "-". NULL after an error message. */
FILE *an_out_open(const char *path);
/* Flushes and closes (stdout is flushed, not closed); 0, or -1 after an error message when
 * anything failed to be written. */
int an_out_close(FILE *f, const char *path);

/* Replaces the file at path as a whole: write(f, arg) fills a temporary file beside it, which is
 * synced and renamed over path; on any failure nothing is left behind, the old file stays, and
 * one line "cannot write PATH: reason" is printed. write returns 0, or -1 with errno set.
 * Returns 0 or -1. */
int an_write_replace(const char *path, int (*write)(FILE *f, void *arg), void *arg);

#endif
