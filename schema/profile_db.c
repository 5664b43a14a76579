/* profile_db.c: create and open arenaprof profile databases; the schema version check. */
#define _POSIX_C_SOURCE 200809L
#include "profile_db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const int ap_schema_version_in_sql;

static void set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	snprintf(err, errlen, fmt, a, b);
}

void ap_db_remove(const char *path)
{
	char side[4096];

	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}

int ap_db_create(const char *path, int overwrite, sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	int fd;

	_Static_assert(AP_SCHEMA_VERSION > 0, "schema version");
	if (ap_schema_version_in_sql != AP_SCHEMA_VERSION) {
		set_err(err, errlen, "schema.sql and AP_SCHEMA_VERSION disagree%s%s", "", "");
		return -1;
	}
	/* Create the file ourselves: a clear error for existing files and unwritable paths. */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL), 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			set_err(err, errlen, "%s exists already (use -f to overwrite)%s", path, "");
		else
			set_err(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	if (overwrite) {
		char side[4096];

		snprintf(side, sizeof(side), "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", path);
		unlink(side);
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		goto sqlerr;
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
			 &msg) != SQLITE_OK)
		goto sqlerr;
	if (sqlite3_exec(db, ap_schema_sql, NULL, NULL, &msg) != SQLITE_OK)
		goto sqlerr;
	if (ap_db_set_meta_int(db, AP_META_SCHEMA_VERSION, AP_SCHEMA_VERSION))
		goto sqlerr;
	*out = db;
	return 0;
sqlerr:
	set_err(err, errlen, "cannot create %s: %s", path, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	sqlite3_close(db);
	ap_db_remove(path); /* ours: created (or truncated) above; e.g. the disk is full */
	return -1;
}

static int read_version(sqlite3 *db, long long *version)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, ap_meta_name(AP_META_SCHEMA_VERSION), -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_NOTFOUND;
	}
	sqlite3_finalize(st);
	return rc;
}

int ap_db_open(const char *path, sqlite3 **out, char *err, size_t errlen)
{
	struct stat stbuf;
	sqlite3 *db = NULL;
	long long version = 0;
	char vbuf[32];
	int rc;

	if (stat(path, &stbuf) != 0) {
		set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(stbuf.st_mode)) {
		set_err(err, errlen, "%s is not a regular file%s", path, "");
		return -1;
	}
	if (stbuf.st_size == 0) {
		set_err(err, errlen, "%s is empty, not an arenaprof database%s", path, "");
		return -1;
	}
	/* Read-write open so that a WAL left by a killed agent is read back; we never write. */
	rc = sqlite3_open_v2(path, &db,
			     access(path, W_OK) == 0 ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY,
			     NULL);
	if (rc != SQLITE_OK) {
		set_err(err, errlen, "cannot open %s: %s", path, sqlite3_errmsg(db));
		goto fail;
	}
	sqlite3_busy_timeout(db, 2000);
	rc = read_version(db, &version);
	if (rc == SQLITE_NOTADB) {
		set_err(err, errlen, "%s is not an arenaprof database (not SQLite)%s", path, "");
		goto fail;
	}
	if (rc == SQLITE_CORRUPT) {
		set_err(err, errlen, "%s is a corrupt database%s", path, "");
		goto fail;
	}
	if (rc != SQLITE_OK) {
		set_err(err, errlen, "%s is not an arenaprof database (no schema version)%s", path,
			"");
		goto fail;
	}
	if (version != AP_SCHEMA_VERSION) {
		snprintf(vbuf, sizeof(vbuf), "%lld", version);
		snprintf(err, errlen, "%s has schema version %s; this arenaprof reads version %d",
			 path, vbuf, AP_SCHEMA_VERSION);
		goto fail;
	}
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return -1;
}

int ap_db_set_meta(sqlite3 *db, enum ap_meta_key key, const char *value)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, ap_meta_name(key), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int ap_db_set_meta_int(sqlite3 *db, enum ap_meta_key key, long long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", value);
	return ap_db_set_meta(db, key, buf);
}

int ap_db_get_meta(sqlite3 *db, enum ap_meta_key key, char *buf, size_t size)
{
	sqlite3_stmt *st;
	int rc, found = -1;

	if (size)
		buf[0] = '\0';
	rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, ap_meta_name(key), -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);

		snprintf(buf, size, "%s", v ? (const char *)v : "");
		found = 0;
	}
	sqlite3_finalize(st);
	return found;
}

int ap_db_set_meta_real(sqlite3 *db, enum ap_meta_key key, int decimals, double value)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, value);
	return ap_db_set_meta(db, key, buf);
}
