/* json_writer.h: a small streaming JSON writer (RFC 8259): nesting, commas, string escaping
 * (control characters escaped, invalid UTF-8 replaced by U+FFFD), integers and doubles. */
#ifndef ARENAPROF_JSON_WRITER_H
#define ARENAPROF_JSON_WRITER_H

#include <stddef.h>
#include <stdio.h>

#define JW_MAX_DEPTH 32

struct json_writer {
	FILE *f;
	int pretty;
	int depth;
	int err; /* misuse (bad nesting, key outside an object) or too deep */
	int after_key; /* a key was written, its value comes next */
	int count[JW_MAX_DEPTH]; /* values written so far at each level */
	char kind[JW_MAX_DEPTH]; /* '{' or '[' */
};

/* pretty: newline and two-space indentation per level; otherwise compact. */
void jw_init(struct json_writer *w, FILE *f, int pretty);

void jw_begin_object(struct json_writer *w);
void jw_end_object(struct json_writer *w);
void jw_begin_array(struct json_writer *w);
void jw_end_array(struct json_writer *w);

/* Inside an object: the key of the next value. */
void jw_key(struct json_writer *w, const char *key);

void jw_string(struct json_writer *w, const char *s); /* NULL writes null */
void jw_string_len(struct json_writer *w, const char *s, size_t len); /* may hold NULs */
void jw_int(struct json_writer *w, long long v);
void jw_double(struct json_writer *w, double v); /* NaN and infinities write null */
void jw_bool(struct json_writer *w, int v);
void jw_null(struct json_writer *w);
/* Inside an object: key and a number, or null when !has. */
void jw_key_double(struct json_writer *w, const char *key, int has, double v);
/* Inside an object: key and [lo, hi], or null when !has. */
void jw_key_interval(struct json_writer *w, const char *key, int has, double lo, double hi);

/* Ends the document (a final newline). 0 when it was complete and well nested, -1 otherwise.
 * Write errors are left to the caller (ferror on the FILE). */
int jw_finish(struct json_writer *w);

/* Writes s (len bytes) as a JSON string literal with quotes; exposed for tests. */
void jw_write_escaped(FILE *f, const char *s, size_t len);

#endif
