/* pprof_load.c: a profile database read into a pprof profile: the header (sample types as Go's
 * allocation and CPU profiles name them, period, time and duration from meta, comments naming
 * the recording), then the samples (pprof_samples.c). */
#define _POSIX_C_SOURCE 200809L
#include "pprof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_db.h"
#include "an_util.h"
#include "pprof_frames.h"
#include "pprof_samples.h"
#include "profile_meta.h"

static const char meta_sql[] = "SELECT key, value FROM meta";

struct pprof_meta {
	long long start_ns, duration_ns, cpu_freq;
	char *command, *pid, *mode, *version;
};

/* A positive INT meta value; 0 for anything else. */
static long long positive(const char *s)
{
	long long v;

	return ap_meta_parse_int(s, &v) == 0 && v > 0 ? v : 0;
}

static int load_meta(sqlite3 *db, const char *path, struct pprof_meta *m)
{
	sqlite3_stmt *st;
	int rc;

	memset(m, 0, sizeof(*m));
	if (an_db_prepare(db, path, "meta", meta_sql, &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		char **s = NULL;

		if (!k || !v)
			continue;
		switch (ap_meta_lookup(k)) {
		case AP_META_START_TIME_NS:
			m->start_ns = positive(v);
			break;
		case AP_META_DURATION_NS:
			m->duration_ns = positive(v);
			break;
		case AP_META_CPU_FREQ:
			m->cpu_freq = positive(v);
			break;
		case AP_META_COMMAND:
			s = &m->command;
			break;
		case AP_META_PID:
			s = &m->pid;
			break;
		case AP_META_MODE:
			s = &m->mode;
			break;
		case AP_META_ARENAPROF_VERSION:
			s = &m->version;
			break;
		default: /* not in a pprof profile */
			break;
		}
		if (s) {
			free(*s);
			*s = an_strdup(v);
		}
	}
	if (rc != SQLITE_DONE)
		an_db_error(db, path, "meta");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void free_meta(struct pprof_meta *m)
{
	free(m->command);
	free(m->pid);
	free(m->mode);
	free(m->version);
}

static void value_type(struct pprof_profile *p, int64_t vt[2], const char *type, const char *unit)
{
	vt[0] = pprof_string(p, type);
	vt[1] = pprof_string(p, unit);
}

static const char *metric_name(enum pprof_metric metric)
{
	switch (metric) {
	case PPROF_ALLOCS:
		return "allocs";
	case PPROF_BYTES:
		return "bytes";
	case PPROF_CPU:
		return "cpu";
	case PPROF_ALLOC_CPU:
		return "alloc-cpu";
	default:
		return "allocs and bytes";
	}
}

/* Sample types, period and comments. CPU time needs the sampling frequency: without it the
 * profile has samples/count only. */
static void header(struct pprof_profile *p, enum pprof_metric metric, const struct pprof_meta *m)
{
	char *text;
	size_t len;

	p->time_nanos = m->start_ns;
	p->duration_nanos = m->duration_ns;
	switch (metric) {
	case PPROF_ALLOCS_AND_BYTES:
	case PPROF_ALLOCS:
	case PPROF_BYTES:
		p->nvalues = metric == PPROF_ALLOCS_AND_BYTES ? 2 : 1;
		if (metric != PPROF_BYTES)
			value_type(p, p->sample_type[0], "alloc_objects", "count");
		else
			value_type(p, p->sample_type[0], "alloc_space", "bytes");
		if (metric == PPROF_ALLOCS_AND_BYTES)
			value_type(p, p->sample_type[1], "alloc_space", "bytes");
		/* every allocation call is recorded, none sampled */
		p->period_type[0] = p->sample_type[0][0];
		p->period_type[1] = p->sample_type[0][1];
		p->period = 1;
		break;
	case PPROF_CPU:
	case PPROF_ALLOC_CPU:
		value_type(p, p->sample_type[0], "samples", "count");
		p->nvalues = 1;
		if (m->cpu_freq > 0 && m->cpu_freq <= 1000000000LL) {
			value_type(p, p->sample_type[1], "cpu", "nanoseconds");
			p->nvalues = 2;
			value_type(p, p->period_type, "cpu", "nanoseconds");
			p->period = (1000000000LL + m->cpu_freq / 2) / m->cpu_freq;
		}
		break;
	}
	len = strlen(m->command ? m->command : "?") + strlen(m->pid ? m->pid : "?") +
	      strlen(m->version ? m->version : "?") + strlen(m->mode ? m->mode : "?") + 128;
	text = an_malloc(len);
	snprintf(text, len, "arenaprof %s: %s (pid %s)", m->version ? m->version : "?",
		 m->command ? m->command : "?", m->pid ? m->pid : "?");
	pprof_comment(p, text);
	snprintf(text, len, "mode %s, metric %s", m->mode ? m->mode : "?", metric_name(metric));
	pprof_comment(p, text);
	free(text);
}

int pprof_load(sqlite3 *db, const char *path, enum pprof_metric metric, struct pprof_profile *out)
{
	struct pprof_frames fr;
	struct pprof_meta m;
	int rc;

	pprof_init(out);
	if (load_meta(db, path, &m)) {
		free_meta(&m); /* the keys read before the failing row */
		pprof_free(out);
		return -1;
	}
	header(out, metric, &m);
	rc = pprof_frames_load(db, path, &fr);
	if (rc == 0) {
		if (metric == PPROF_CPU || metric == PPROF_ALLOC_CPU)
			rc = pprof_cpu_samples(db, path, metric == PPROF_ALLOC_CPU, m.cpu_freq, out,
					       &fr);
		else
			rc = pprof_alloc_samples(db, path, metric, out, &fr);
		pprof_frames_free(&fr);
		pprof_main_mapping_first(out);
	}
	free_meta(&m);
	if (rc)
		pprof_free(out);
	return rc;
}
