/* an_db.h: opening a profile for analysis (checks, read-only, one consistent snapshot) and the
 * one-line message for a failed query. */
#ifndef ARENAPROF_AN_DB_H
#define ARENAPROF_AN_DB_H

#include <sqlite3.h>

/* Opens and checks the profile (ap_db_open), makes the connection query-only, starts a read
 * transaction (every query sees the same batches, even while the agent is still writing) and runs
 * PRAGMA quick_check. 0, or -1 after an error message. */
int an_db_open(const char *path, sqlite3 **db);
void an_db_close(sqlite3 *db);

/* The message for a failed SQLite call while reading `what` (e.g. "call sites"). */
void an_db_error(sqlite3 *db, const char *path, const char *what);

/* Prepares sql; -1 after an error message. */
int an_db_prepare(sqlite3 *db, const char *path, const char *what, const char *sql,
		  sqlite3_stmt **st);

#endif
