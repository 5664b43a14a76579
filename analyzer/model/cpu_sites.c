/* cpu_sites.c: the CPU side of `report`: the totals of the CPU samples (an_info.cpu) and each
 * call site's allocator samples (an_site.alloc_cpu_samples). CPU call sites are grouped like
 * allocation sites, by (function, file, line, module), and merged into the same list; a site that
 * caused allocator CPU work but no recorded allocation (typically a call of free) is added with
 * allocs 0. */
#define _POSIX_C_SOURCE 200809L
#include "report_data.h"

#include <stdlib.h>
#include <string.h>

#include "an_util.h"
#include "cpu_share.h"
#include "site_fold.h"

struct site_key {
	const char *function, *file; /* file NULL without debug info */
	int has_line;
	long long line;
	const char *module;
	long long samples; /* attributions only */
	long long calls; /* attributions only: of samples, those in allocation calls */
};

static int cmp_opt(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_key(const void *pa, const void *pb)
{
	const struct site_key *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->function, b->function)) != 0)
		return c;
	if ((c = cmp_opt(a->file, b->file)) != 0)
		return c;
	if (a->has_line != b->has_line)
		return a->has_line - b->has_line;
	if (a->has_line && a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return strcmp(a->module, b->module);
}

static void site_key(const struct an_site *s, struct site_key *k)
{
	k->function = s->function;
	k->file = s->file;
	k->has_line = s->has_line;
	k->line = s->line;
	k->module = s->module;
	k->samples = 0;
	k->calls = 0;
}

/* The attribution of each frame (and of "no call site") with samples, sorted by key. */
static struct site_key *attributions(const struct cpu_profile *p, const long long *per_frame,
				     const long long *per_frame_calls, size_t *n)
{
	struct site_key *v = an_malloc((p->nframes + 1) * sizeof(*v));
	size_t i;

	*n = 0;
	for (i = 0; i <= p->nframes; i++) {
		struct site_key *k = &v[*n];

		if (per_frame[i] == 0)
			continue;
		if (i == p->nframes) {
			memset(k, 0, sizeof(*k));
			k->function = AN_UNKNOWN;
			k->module = AN_UNKNOWN;
		} else {
			k->function = p->frames[i].function;
			k->file = p->frames[i].file;
			k->has_line = p->frames[i].has_line;
			k->line = p->frames[i].line;
			k->module = p->frames[i].module;
		}
		k->samples = per_frame[i];
		k->calls = per_frame_calls[i];
		(*n)++;
	}
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_key);
	return v;
}

static struct an_site *new_site(const struct site_key *k)
{
	struct an_site *s = an_malloc(sizeof(*s));

	memset(s, 0, sizeof(*s));
	s->function = an_strdup(k->function);
	s->file = k->file ? an_strdup(k->file) : NULL;
	s->has_line = k->has_line;
	s->line = k->line;
	s->module = an_strdup(k->module);
	return s;
}

/* Adds the attributions (sorted by key) to the sites; -1 when a sum overflows. */
static int merge_sites(struct an_sites *sites, const struct site_key *attr, size_t nattr)
{
	struct site_key *keys = an_malloc((sites->n + 1) * sizeof(*keys));
	struct an_site **added = an_malloc((nattr + 1) * sizeof(*added));
	size_t i, j, nadded = 0;
	int rc = 0;

	for (i = 0; i < sites->n; i++) {
		site_key(&sites->v[i], &keys[i]);
		keys[i].samples = (long long)i; /* where it came from */
	}
	if (sites->n > 1)
		qsort(keys, sites->n, sizeof(*keys), cmp_key);
	for (i = 0; i < nattr && rc == 0; i = j) {
		long long sum = 0, calls = 0;
		struct site_key *hit;

		for (j = i; j < nattr && cmp_key(&attr[i], &attr[j]) == 0; j++)
			if (an_add(&sum, attr[j].samples) || an_add(&calls, attr[j].calls))
				rc = -1;
		hit = sites->n ? bsearch(&attr[i], keys, sites->n, sizeof(*keys), cmp_key) : NULL;
		if (hit) {
			if (an_add(&sites->v[hit->samples].alloc_cpu_samples, sum) ||
			    an_add(&sites->v[hit->samples].alloc_call_samples, calls))
				rc = -1;
		} else {
			added[nadded] = new_site(&attr[i]);
			added[nadded]->alloc_call_samples = calls;
			added[nadded++]->alloc_cpu_samples = sum;
		}
	}
	sites->v = an_realloc(sites->v, (sites->n + nadded) * sizeof(*sites->v));
	for (i = 0; i < nadded; i++) {
		sites->v[sites->n++] = *added[i];
		free(added[i]);
	}
	free(added);
	free(keys);
	an_sites_sort(sites);
	return rc;
}

int an_cpu_load(sqlite3 *db, const char *path, const struct site_fold *fold, struct an_info *info,
		struct an_sites *sites)
{
	struct an_cpu *cpu = &info->cpu;
	struct site_key *attr = NULL;
	struct cpu_profile p;
	struct cpu_totals t;
	long long *per_frame, *per_frame_calls;
	size_t nattr = 0, i;
	int rc = -1;

	if (cpu_profile_load(db, path, &p))
		return -1;
	for (i = 0; i < p.nframes; i++)
		p.frames[i].wrapper =
			!p.frames[i].kernel &&
			site_fold_is_wrapper(fold, p.frames[i].function, p.frames[i].module);
	per_frame = an_malloc((p.nframes + 1) * sizeof(*per_frame));
	memset(per_frame, 0, (p.nframes + 1) * sizeof(*per_frame));
	per_frame_calls = an_malloc((p.nframes + 1) * sizeof(*per_frame_calls));
	memset(per_frame_calls, 0, (p.nframes + 1) * sizeof(*per_frame_calls));
	if (cpu_share_totals(&p, &t, per_frame, per_frame_calls) == 0) {
		cpu->recorded = t.recorded;
		cpu->overhead = t.overhead;
		cpu->allocator = t.allocator;
		for (i = 0; i < CPU_NSPLIT; i++)
			cpu->split[i] = t.split[i];
		cpu->gc = t.gc;
		if (!cpu->has_samples_counter)
			cpu->samples = t.recorded;
		attr = attributions(&p, per_frame, per_frame_calls, &nattr);
		rc = merge_sites(sites, attr, nattr);
	}
	if (rc)
		an_err("%s: CPU sample totals overflow", path);
	free(attr);
	free(per_frame);
	free(per_frame_calls);
	cpu_profile_free(&p);
	return rc;
}

double an_cpu_share(const struct an_cpu *cpu, long long samples)
{
	long long base = cpu->recorded - cpu->overhead;

	if (base <= 0 || samples <= 0)
		return 0.0;
	return (double)samples / (double)base;
}
