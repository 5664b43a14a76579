/* an_db.c: opening a profile for analysis and reporting failed queries (see an_db.h). */
#define _POSIX_C_SOURCE 200809L
#include "an_db.h"

#include <stdio.h>
#include <string.h>

#include "an_util.h"
#include "profile_db.h"

void an_db_error(sqlite3 *db, const char *path, const char *what)
{
	int code = sqlite3_errcode(db) & 0xff;

	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		an_err("%s is a corrupt database (%s while reading %s)", path, sqlite3_errmsg(db),
		       what);
	else
		an_err("%s: cannot read %s: %s", path, what, sqlite3_errmsg(db));
}

int an_db_prepare(sqlite3 *db, const char *path, const char *what, const char *sql,
		  sqlite3_stmt **st)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		an_db_error(db, path, what);
		return -1;
	}
	return 0;
}

static int quick_check(sqlite3 *db, const char *path)
{
	sqlite3_stmt *st;
	const char *res;
	int rc;

	if (an_db_prepare(db, path, "the database", "PRAGMA quick_check(1)", &st))
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		an_db_error(db, path, "the database");
		sqlite3_finalize(st);
		return -1;
	}
	res = (const char *)sqlite3_column_text(st, 0);
	if (!res || strcmp(res, "ok") != 0) {
		char msg[256];
		size_t i;

		/* SQLite's message may span lines ("*** in database main ***\n..."): one line. */
		if (res && strncmp(res, "*** in database main ***", 24) == 0)
			res += 24;
		snprintf(msg, sizeof(msg), "%s", res ? res : "?");
		for (i = 0; msg[i]; i++)
			if ((unsigned char)msg[i] < 0x20)
				msg[i] = ' ';
		an_err("%s is a corrupt database (%s)", path, msg + strspn(msg, " "));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

int an_db_open(const char *path, sqlite3 **out)
{
	char err[512];
	sqlite3 *db;

	if (ap_db_open(path, &db, err, sizeof(err))) {
		an_err("%s", err);
		return -1;
	}
	if (sqlite3_exec(db, "PRAGMA query_only = 1; BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		an_db_error(db, path, "the database");
		sqlite3_close(db);
		return -1;
	}
	if (quick_check(db, path)) {
		an_db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

void an_db_close(sqlite3 *db)
{
	if (!db)
		return;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); /* nothing was written */
	sqlite3_close(db);
}
