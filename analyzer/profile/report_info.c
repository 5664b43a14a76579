/* report_info.c: the header and totals of a report: meta keys and counters of a profile. */
#define _POSIX_C_SOURCE 200809L
#include "report_data.h"

#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "profile_meta.h"

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = an_strdup(v);
}

static void meta_value(struct an_info *info, const char *key, const char *v, long long *duration_ns,
		       int *has_duration_ns)
{
	long long n;

	switch (ap_meta_lookup(key)) {
	case AP_META_COMMAND:
		set_str(&info->command, v);
		break;
	case AP_META_PID:
		info->has_pid = ap_meta_parse_int(v, &info->pid) == 0;
		break;
	case AP_META_DURATION_NS:
		*has_duration_ns = ap_meta_parse_int(v, duration_ns) == 0;
		break;
	case AP_META_END_REASON:
		set_str(&info->end_reason, v);
		break;
	case AP_META_TARGET_EXIT:
		set_str(&info->target_exit, v);
		break;
	case AP_META_CLOSED:
		info->closed = ap_meta_parse_int(v, &n) == 0 && n == 1;
		break;
	case AP_META_MODE:
		set_str(&info->mode, v);
		break;
	case AP_META_UNWIND:
		set_str(&info->unwind, v);
		break;
	case AP_META_ATTACH:
		set_str(&info->attach, v);
		break;
	case AP_META_AGENT_CPU_NS:
		info->has_agent_cpu = ap_meta_parse_int(v, &n) == 0 && n >= 0;
		info->agent_cpu_s = (double)n / 1e9;
		break;
	case AP_META_OVERHEAD_BUDGET:
		info->win.budget = atof(v);
		break;
	case AP_META_PROBE_COST_NS:
		info->win.probe_cost_s = atof(v) / 1e9;
		break;
	case AP_META_SAMPLE_EVERY:
		if (ap_meta_parse_int(v, &n) == 0 && n >= 1)
			info->sample_every = n;
		break;
	case AP_META_SAMPLER_COST_NS:
		info->win.sampler_cost_s = atof(v) / 1e9;
		break;
	case AP_META_TARGET_CPU_NS:
		info->win.target_cpu_s = atof(v) / 1e9;
		break;
	case AP_META_PROBE_COST_ALLOC_NS:
		info->win.alloc_hit_ns = atof(v);
		break;
	case AP_META_PROBE_COST_FREE_NS:
		info->win.free_hit_ns = atof(v);
		break;
	case AP_META_RUNTIME:
		set_str(&info->runtime, v);
		info->cpu.go = strcmp(v, "go") == 0;
		break;
	case AP_META_GO_VERSION:
		set_str(&info->go_version, v);
		break;
	case AP_META_CPU_FREQ:
		info->cpu.has_freq =
			ap_meta_parse_int(v, &info->cpu.freq) == 0 && info->cpu.freq >= 0;
		break;
	default: /* keys the report does not show */
		break;
	}
}

static int load_meta(sqlite3 *db, const char *path, struct an_info *info)
{
	long long duration_ns = 0;
	int has_duration_ns = 0, rc;
	sqlite3_stmt *st;

	if (an_db_prepare(db, path, "meta", "SELECT key, value FROM meta", &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);

		if (k && v)
			meta_value(info, k, v, &duration_ns, &has_duration_ns);
	}
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "meta");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (has_duration_ns && duration_ns >= 0) {
		info->duration_s = (double)duration_ns / 1e9;
		info->has_duration = 1;
	}
	return 0;
}

static int load_counters(sqlite3 *db, const char *path, struct an_info *info)
{
	sqlite3_stmt *st;
	int rc;

	if (an_db_prepare(db, path, "counters",
			  "SELECT name, value FROM counters WHERE name IN "
			  "('allocs', 'bytes', 'frees', 'lost_events', 'cpu_samples', 'cpu_lost')",
			  &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		long long v = sqlite3_column_int64(st, 1);

		if (!name)
			continue;
		if (strcmp(name, "allocs") == 0) {
			info->allocs = v;
		} else if (strcmp(name, "bytes") == 0) {
			info->bytes = v;
		} else if (strcmp(name, "frees") == 0) {
			info->frees = v;
		} else if (strcmp(name, "lost_events") == 0) {
			info->lost_events = v;
		} else if (strcmp(name, "cpu_samples") == 0) {
			info->cpu.samples = v;
			info->cpu.has_samples_counter = 1;
		} else if (strcmp(name, "cpu_lost") == 0) {
			info->cpu.lost = v;
		}
	}
	if (rc != SQLITE_DONE) {
		an_db_error(db, path, "counters");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

/* SQLite's SUM fails ("integer overflow") rather than wrapping: an error, never a wrong total. */
static int load_recorded(sqlite3 *db, const char *path, struct an_info *info)
{
	sqlite3_stmt *st;

	if (an_db_prepare(db, path, "allocation statistics",
			  "SELECT COALESCE(SUM(allocs), 0), COALESCE(SUM(bytes), 0) "
			  "FROM alloc_stats",
			  &st))
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		an_db_error(db, path, "allocation statistics");
		sqlite3_finalize(st);
		return -1;
	}
	info->recorded_allocs = sqlite3_column_int64(st, 0);
	info->recorded_bytes = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	return 0;
}

int an_info_load(sqlite3 *db, const char *path, struct an_info *info)
{
	memset(info, 0, sizeof(*info));
	if (load_meta(db, path, info) || load_counters(db, path, info) ||
	    load_recorded(db, path, info)) {
		an_info_free(info);
		return -1;
	}
	return 0;
}

void an_info_free(struct an_info *info)
{
	free(info->command);
	free(info->end_reason);
	free(info->target_exit);
	free(info->mode);
	free(info->runtime);
	free(info->go_version);
	free(info->unwind);
	free(info->attach);
	memset(info, 0, sizeof(*info));
}
