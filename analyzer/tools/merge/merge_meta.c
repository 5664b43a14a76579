/* merge_meta.c: the meta of a merged profile. mode, unwind, cpu_freq and track_every must agree
 * (a profile mixing them would lie); duration_ns is the sum, start/end the earliest start and
 * latest end, closed 1 only if every input was closed, command/pid the first input's (noted in
 * merge_note), merged_from the input paths; every other key is the first input's
 * (merge_tables.c). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_util.h"
#include "merge.h"
#include "profile_db.h"

static const enum ap_meta_key must_agree[] = { AP_META_MODE, AP_META_UNWIND, AP_META_CPU_FREQ,
					       AP_META_TRACK_EVERY };

int merge_meta_check(sqlite3 **in, char **paths, int n)
{
	char first[256], other[256];
	size_t i;
	int k;

	for (i = 0; i < sizeof(must_agree) / sizeof(must_agree[0]); i++) {
		ap_db_get_meta(in[0], must_agree[i], first, sizeof(first));
		for (k = 1; k < n; k++) {
			ap_db_get_meta(in[k], must_agree[i], other, sizeof(other));
			if (strcmp(first, other) != 0) {
				an_err("cannot merge: %s has %s '%s' but %s has '%s'", paths[0],
				       ap_meta_name(must_agree[i]), first, paths[k], other);
				return -1;
			}
		}
	}
	return 0;
}

/* meta[key] as a number; -1 when absent or not a number. */
static int meta_ll(sqlite3 *db, enum ap_meta_key key, long long *v)
{
	char buf[64];

	if (ap_db_get_meta(db, key, buf, sizeof(buf)))
		return -1;
	return ap_meta_parse_int(buf, v);
}

static int drop(sqlite3 *out, enum ap_meta_key key)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(out, "DELETE FROM main.meta WHERE key = ?", -1, &st, NULL))
		return -1;
	sqlite3_bind_text(st, 1, ap_meta_name(key), -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int merge_meta_write(sqlite3 *out, const char *out_path, sqlite3 **in, char **paths, int n)
{
	long long dur = 0, start = 0, end = 0, v;
	int have_dur = 1, have_start = 1, have_end = 1, closed = 1, k, rc = 0;
	size_t len = 1;
	char *from, buf[64];

	for (k = 0; k < n; k++)
		len += strlen(paths[k]) + 1;
	from = an_malloc(len);
	from[0] = '\0';
	for (k = 0; k < n; k++) {
		if (k)
			strcat(from, ";");
		strcat(from, paths[k]);
		if (meta_ll(in[k], AP_META_DURATION_NS, &v) || v < 0 || an_add(&dur, v))
			have_dur = 0;
		if (meta_ll(in[k], AP_META_START_TIME_NS, &v))
			have_start = 0;
		else if (k == 0 || v < start)
			start = v;
		if (meta_ll(in[k], AP_META_END_TIME_NS, &v))
			have_end = 0;
		else if (k == 0 || v > end)
			end = v;
		if (ap_db_get_meta(in[k], AP_META_CLOSED, buf, sizeof(buf)) ||
		    strcmp(buf, "1") != 0)
			closed = 0;
	}
	rc |= ap_db_set_meta(out, AP_META_MERGED_FROM, from);
	rc |= ap_db_set_meta(
		out, AP_META_MERGE_NOTE,
		"merged profile: command and pid are the first input's; duration_ns is "
		"the sum of the inputs' durations; thread ids of input k (from 0) are "
		"shifted by k*10000000");
	rc |= ap_db_set_meta_int(out, AP_META_CLOSED, closed);
	rc |= ap_db_set_meta_int(out, AP_META_SCHEMA_VERSION, AP_SCHEMA_VERSION);
	/* a sum or span over inputs that lack one would be wrong: then the key is left out */
	rc |= have_dur ? ap_db_set_meta_int(out, AP_META_DURATION_NS, dur) :
			 drop(out, AP_META_DURATION_NS);
	rc |= have_start ? ap_db_set_meta_int(out, AP_META_START_TIME_NS, start) :
			   drop(out, AP_META_START_TIME_NS);
	rc |= have_end ? ap_db_set_meta_int(out, AP_META_END_TIME_NS, end) :
			 drop(out, AP_META_END_TIME_NS);
	free(from);
	if (rc) {
		an_err("cannot write %s: %s", out_path, sqlite3_errmsg(out));
		return -1;
	}
	return 0;
}
