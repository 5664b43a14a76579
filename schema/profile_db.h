/* profile_db.h: create and open arenaprof profile databases; the schema version check. */
#ifndef ARENAPROF_PROFILE_DB_H
#define ARENAPROF_PROFILE_DB_H

#include <stddef.h>
#include <sqlite3.h>

#include "profile_meta.h"

/* The schema version this build writes and reads (PRAGMA user_version and meta.schema_version). */
#define AP_SCHEMA_VERSION 4

extern const char ap_schema_sql[];

/* Creates a new profile at path (refuses an existing file unless overwrite) with the schema,
 * in WAL mode so a reader or a crash never sees a half-written batch. 0, or -1 with a one-line
 * reason in err. */
int ap_db_create(const char *path, int overwrite, sqlite3 **out, char *err, size_t errlen);
/* Removes a profile file and its WAL and shared-memory side files (a half-made output). */
void ap_db_remove(const char *path);

/* Opens an existing profile read-only and checks that it is an arenaprof database of this
 * schema version. 0, or -1 with a one-line reason in err. */
int ap_db_open(const char *path, sqlite3 **out, char *err, size_t errlen);

/* meta table helpers (the keys: profile_meta.h). */
int ap_db_set_meta(sqlite3 *db, enum ap_meta_key key, const char *value);
int ap_db_set_meta_int(sqlite3 *db, enum ap_meta_key key, long long value);
/* A REAL key written with this many decimals ("%.*f"). */
int ap_db_set_meta_real(sqlite3 *db, enum ap_meta_key key, int decimals, double value);
/* Copies meta[key] into buf ("" when absent). Returns 0 when found, -1 otherwise. */
int ap_db_get_meta(sqlite3 *db, enum ap_meta_key key, char *buf, size_t size);

#endif
