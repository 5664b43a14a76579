/* try_sites_file.c: a candidate's call sites as the return addresses the interposer matches:
 * every allocation stack of the profile whose site (ap_site_pos, the same fold the report used)
 * is one of the candidate's sites gives (site position + 1, the frame's file offset, its module).
 * The offsets are the profile's (a return address minus one, file offsets): the interposer adds
 * the one back and maps them with /proc/self/maps. */
#define _GNU_SOURCE
#include "try_cmd.h"

#include <string.h>

#include "an_util.h"

static const char addresses_sql[] =
	"SELECT DISTINCT sf.pos, f.offset, m.path, m.build_id "
	"FROM (SELECT stack_id FROM alloc_stats UNION SELECT alloc_stack_id FROM objects) s "
	"JOIN stack_frames sf ON sf.stack_id = s.stack_id AND sf.pos = ap_site_pos(s.stack_id) "
	"JOIN frames f ON f.id = sf.frame_id "
	"JOIN modules m ON m.id = f.module_id "
	"WHERE f.function = ?1 AND f.file IS ?2 AND f.line IS ?3 AND m.path = ?4 "
	"ORDER BY m.path, f.offset";

/* The module on disk must be the build the profile recorded (when both have a build id): the
 * offsets mean nothing in another build. 0, or -1 after an error message. */
static int same_build(const char *module, const char *recorded)
{
	static char checked[4096];
	char now[256];

	if (!recorded || !*recorded || !strcmp(checked, module))
		return 0;
	if (try_file_build_id(module, now, sizeof(now)) == 0 && strcmp(now, recorded)) {
		an_err("%s is not the build the profile recorded (build id %s, the file's %s): "
		       "record it again",
		       module, recorded, now);
		return -1;
	}
	snprintf(checked, sizeof(checked), "%s", module);
	return 0;
}

static int site_addresses(sqlite3 *db, const char *path, sqlite3_stmt *st, const struct an_site *s,
			  FILE *f, long long *n)
{
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, s->function, -1, SQLITE_STATIC);
	if (s->file)
		sqlite3_bind_text(st, 2, s->file, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	if (s->has_line)
		sqlite3_bind_int64(st, 3, s->line);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, s->module, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *module = (const char *)sqlite3_column_text(st, 2);

		/* a path with a newline cannot be one line of the file: such a site is left out */
		if (!module || strchr(module, '\n'))
			continue;
		if (same_build(module, (const char *)sqlite3_column_text(st, 3)))
			return -1;
		fprintf(f, "%lld 0x%llx %s\n", sqlite3_column_int64(st, 0) + 1,
			(unsigned long long)sqlite3_column_int64(st, 1), module);
		(*n)++;
	}
	if (rc != SQLITE_DONE) {
		an_err("%s: reading the sites' addresses: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int try_write_sites(sqlite3 *db, const char *path, const struct an_candidate *c, FILE *f,
		    long long *addresses)
{
	sqlite3_stmt *st;
	int rc = 0;

	*addresses = 0;
	if (sqlite3_prepare_v2(db, addresses_sql, -1, &st, NULL) != SQLITE_OK) {
		an_err("%s: %s", path, sqlite3_errmsg(db));
		return -1;
	}
	fprintf(f, "# arenaprof try: DEPTH OFFSET MODULE (return address - 1, file offset)\n");
	for (size_t i = 0; i < c->nsites && rc == 0; i++) {
		const struct an_site *s = c->sites[i];

		if (s->module && strcmp(s->module, AN_UNKNOWN) != 0)
			rc = site_addresses(db, path, st, s, f, addresses);
	}
	sqlite3_finalize(st);
	return rc;
}
