/* fuzz_db.c: libFuzzer target for the analyzer's database loading. The input is a profile
 * database file, or, when it starts with "SQL\n", SQL statements applied to a new profile (the
 * schema and its version): random bytes mostly test SQLite's own checks, statements reach the
 * analyzer with odd values (NULLs, negative or huge numbers, dangling ids, wrong types). Every
 * analyzer command then reads it (report text and JSON, folded with each metric, pprof,
 * flamegraph, html, diff, merge), writing into a private temporary directory. A bad database must
 * give an error exit (1), never a crash, a leak or a sanitizer report. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <strings.h>

#include "analyzer.h"
#include "fnv1a.h"
#include "profile_db.h"

#define SQL_PREFIX "SQL\n"

static char dir[64], db[128], out[128], wal[160], shm[160], merged[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "%s", "/dev/shm/arenaprof-fuzz-db-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(db, sizeof(db), "%s/in.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", db);
	snprintf(shm, sizeof(shm), "%s-shm", db);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(merged, sizeof(merged), "%s/merged.db", dir);
}

static void remove_files(void)
{
	unlink(db);
	unlink(wal); /* a WAL-mode input makes SQLite create these */
	unlink(shm);
	unlink(out);
	unlink(merged);
}

static void run(int (*cmd)(int, char **), const char *a0, const char *a1, const char *a2,
		const char *a3, const char *a4, const char *a5)
{
	char *argv[] = { (char *)a0, (char *)a1, (char *)a2, (char *)a3,
			 (char *)a4, (char *)a5, NULL };
	int argc = 0, rc;

	while (argv[argc])
		argc++;
	rc = cmd(argc, argv);
	if (rc != 0 && rc != 1)
		abort(); /* 2 is a usage error: the arguments here are all valid */
}

/* Only statements on the database's own tables: no ATTACH, PRAGMA or VACUUM (INTO a file). */
static int authorize(void *arg, int action, const char *a, const char *b, const char *c,
		     const char *d)
{
	(void)arg, (void)a, (void)b, (void)c, (void)d;
	switch (action) {
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
	case SQLITE_PRAGMA:
		return SQLITE_DENY;
	default:
		return SQLITE_OK;
	}
}

/* Bounds the work of one input's statements (recursive CTEs). */
static int progress(void *arg)
{
	return ++*(int *)arg > 1000;
}

static int make_db_from_sql(const uint8_t *data, size_t size)
{
	char *sql = strndup((const char *)data + strlen(SQL_PREFIX), size - strlen(SQL_PREFIX));
	char err[256];
	sqlite3 *h;
	int ticks = 0;

	if (!sql)
		abort();
	if (strcasestr(sql, "vacuum") || ap_db_create(db, 1, &h, err, sizeof(err))) {
		free(sql);
		return -1;
	}
	sqlite3_limit(h, SQLITE_LIMIT_LENGTH, 1 << 20);
	sqlite3_progress_handler(h, 1000, progress, &ticks);
	sqlite3_set_authorizer(h, authorize, NULL);
	sqlite3_exec(h, sql, NULL, NULL, NULL); /* up to the first error */
	sqlite3_close(h);
	free(sql);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t h;
	FILE *f;

	if (!dir[0])
		setup();
	remove_files();
	if (size >= strlen(SQL_PREFIX) && !memcmp(data, SQL_PREFIX, strlen(SQL_PREFIX))) {
		if (make_db_from_sql(data, size))
			return 0;
	} else {
		f = fopen(db, "wb");
		if (!f || fwrite(data, 1, size, f) != size || fclose(f))
			abort();
	}
	/* A third of the commands per input (by a hash of it): three times the inputs a second. */
	h = fnv1a32(data, size) % 3;
	if (h == 0) {
		run(cmd_report, "report", "-o", out, db, NULL, NULL);
		run(cmd_folded, "folded", "--metric", "count", "-o", out, db);
		run(cmd_folded, "folded", "--metric", "cpu", "-o", out, db);
		run(cmd_merge, "merge", "-f", "-o", merged, db, NULL);
	} else if (h == 1) {
		run(cmd_report, "report", "--json", "-o", out, db, NULL);
		run(cmd_folded, "folded", "--metric", "bytes", "-o", out, db);
		run(cmd_pprof, "pprof", "-o", out, db, NULL, NULL);
		run(cmd_flamegraph, "flamegraph", "-o", out, db, NULL, NULL);
	} else {
		run(cmd_folded, "folded", "--metric", "alloc-cpu", "-o", out, db);
		run(cmd_pprof, "pprof", "--metric", "alloc-cpu", "-o", out, db);
		run(cmd_diff, "diff", "--json", "-o", out, db, db);
		run(cmd_html, "html", "-o", out, db, NULL, NULL);
	}
	remove_files();
	return 0;
}
