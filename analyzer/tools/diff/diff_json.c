/* diff_json.c: `arenaprof diff --json`, the contract other tools read (docs/report-json.md,
 * section `arenaprof diff --json`). Fields are only ever added, never renamed or retyped. */
#define _POSIX_C_SOURCE 200809L
#include "diff.h"

#include "cpu_share.h"
#include "json_writer.h"
#include "report.h"

static const char *const split_names[] = { "malloc", "free", "realloc", "kernel_mm" };

static void int_key(struct json_writer *w, const char *key, long long v)
{
	jw_key(w, key);
	jw_int(w, v);
}

/* before, after: the totals of one profile. */
static void write_profile(struct json_writer *w, const char *key, const struct diff_profile *p,
			  size_t nsites)
{
	const struct an_info *info = &p->info;
	const struct an_cpu *cpu = &info->cpu;
	double v;
	size_t i;
	int ok;

	jw_key(w, key);
	jw_begin_object(w);
	jw_key(w, "path");
	jw_string(w, p->path);
	jw_key(w, "command");
	jw_string(w, info->command);
	jw_key(w, "mode");
	jw_string(w, info->mode);
	jw_key(w, "closed");
	jw_bool(w, info->closed);
	v = diff_seconds(info, &ok);
	jw_key_double(w, "duration_s", ok, v);
	int_key(w, "allocs", info->allocs);
	v = diff_per_s(info, info->allocs, &ok);
	jw_key_double(w, "allocs_per_s", ok, v);
	int_key(w, "bytes", info->bytes);
	v = diff_per_s(info, info->bytes, &ok);
	jw_key_double(w, "bytes_per_s", ok, v);
	int_key(w, "recorded_allocs", info->recorded_allocs);
	int_key(w, "lost_events", info->lost_events);
	jw_key(w, "cpu_freq");
	if (cpu->has_freq)
		jw_int(w, cpu->freq);
	else
		jw_null(w);
	int_key(w, "cpu_samples", cpu->samples);
	int_key(w, "cpu_recorded_samples", cpu->recorded);
	v = diff_cpu_cores(info, &ok);
	jw_key_double(w, "cpu_cores", ok, v);
	v = diff_cpu_cores_excl_overhead(info, &ok);
	jw_key_double(w, "cpu_cores_excl_overhead", ok, v);
	jw_key(w, "allocator_cpu_share");
	jw_double(w, an_cpu_share(cpu, cpu->allocator));
	jw_key(w, "allocator_cpu_split");
	jw_begin_object(w);
	for (i = 0; i < CPU_NSPLIT; i++) {
		jw_key(w, split_names[i]);
		jw_double(w, an_cpu_share(cpu, cpu->split[i]));
	}
	jw_end_object(w);
	jw_key(w, "profiler_overhead_share");
	jw_double(w, diff_overhead_share(info));
	int_key(w, "sites", (long long)nsites);
	wrappers_json(w, info); /* "sites_raw", "wrappers": what its sites were folded through */
	jw_end_object(w);
}

/* key: after - before; key_rel: relative, null when before is 0 and after not. */
static void change_pair(struct json_writer *w, const char *key, const char *key_rel, double b,
			double a, int ok)
{
	double rel = 0;
	int rel_ok = 0;

	if (ok)
		rel = diff_rel(b, a, &rel_ok);
	jw_key_double(w, key, ok, a - b);
	jw_key_double(w, key_rel, rel_ok, rel);
}

static void change_count(struct json_writer *w, const char *key, const char *key_rel, long long b,
			 long long a)
{
	int ok;
	double rel = diff_rel((double)b, (double)a, &ok);

	int_key(w, key, a - b); /* both >= 0: no overflow */
	jw_key_double(w, key_rel, ok, rel);
}

static void change_rate(struct json_writer *w, const char *key, const char *key_rel,
			const struct diff *d, long long b, long long a)
{
	int okb, oka;
	double vb = diff_per_s(&d->before->info, b, &okb);
	double va = diff_per_s(&d->after->info, a, &oka);

	change_pair(w, key, key_rel, vb, va, okb && oka);
}

static void write_totals_change(struct json_writer *w, const struct diff *d)
{
	const struct an_info *bi = &d->before->info, *ai = &d->after->info;
	int cpu = diff_has_cpu(bi) && diff_has_cpu(ai), okb, oka;
	double vb, va;
	size_t i;

	jw_key(w, "totals_change");
	jw_begin_object(w);
	change_count(w, "allocs", "allocs_rel", bi->allocs, ai->allocs);
	change_rate(w, "allocs_per_s", "allocs_per_s_rel", d, bi->allocs, ai->allocs);
	change_count(w, "bytes", "bytes_rel", bi->bytes, ai->bytes);
	change_rate(w, "bytes_per_s", "bytes_per_s_rel", d, bi->bytes, ai->bytes);
	vb = diff_cpu_cores(bi, &okb);
	va = diff_cpu_cores(ai, &oka);
	change_pair(w, "cpu_cores", "cpu_cores_rel", vb, va, okb && oka);
	vb = diff_cpu_cores_excl_overhead(bi, &okb);
	va = diff_cpu_cores_excl_overhead(ai, &oka);
	change_pair(w, "cpu_cores_excl_overhead", "cpu_cores_excl_overhead_rel", vb, va,
		    okb && oka);
	change_pair(w, "allocator_cpu_share", "allocator_cpu_share_rel",
		    an_cpu_share(&bi->cpu, bi->cpu.allocator),
		    an_cpu_share(&ai->cpu, ai->cpu.allocator), cpu);
	jw_key(w, "allocator_cpu_split");
	if (cpu) {
		jw_begin_object(w);
		for (i = 0; i < CPU_NSPLIT; i++) {
			jw_key(w, split_names[i]);
			jw_double(w, an_cpu_share(&ai->cpu, ai->cpu.split[i]) -
					     an_cpu_share(&bi->cpu, bi->cpu.split[i]));
		}
		jw_end_object(w);
	} else {
		jw_null(w);
	}
	jw_key_double(w, "profiler_overhead_share", cpu,
		      diff_overhead_share(ai) - diff_overhead_share(bi));
	jw_end_object(w);
}

static void write_side(struct json_writer *w, const char *key, const struct diff_side *s,
		       const struct an_info *info)
{
	double v;
	int ok;

	jw_key(w, key);
	jw_begin_object(w);
	jw_key(w, "module");
	jw_string(w, s->module);
	int_key(w, "allocs", s->allocs);
	v = diff_per_s(info, s->allocs, &ok);
	jw_key_double(w, "allocs_per_s", ok, v);
	int_key(w, "bytes", s->bytes);
	v = diff_per_s(info, s->bytes, &ok);
	jw_key_double(w, "bytes_per_s", ok, v);
	int_key(w, "alloc_cpu_samples", s->alloc_cpu_samples);
	jw_key(w, "alloc_cpu_share");
	jw_double(w, an_cpu_share(&info->cpu, s->alloc_cpu_samples));
	jw_end_object(w);
}

static void write_site(struct json_writer *w, const struct diff *d, const struct diff_site *s)
{
	static const char *const status[] = { "both", "new", "gone" };
	const struct an_info *bi = &d->before->info, *ai = &d->after->info;

	jw_begin_object(w);
	jw_key(w, "function");
	jw_string(w, s->function);
	jw_key(w, "file");
	jw_string(w, s->file);
	jw_key(w, "line");
	if (s->has_line)
		jw_int(w, s->line);
	else
		jw_null(w);
	jw_key(w, "status");
	jw_string(w, status[s->status]);
	write_side(w, "before", &s->before, bi);
	write_side(w, "after", &s->after, ai);
	jw_key(w, "change");
	jw_begin_object(w);
	change_count(w, "allocs", "allocs_rel", s->before.allocs, s->after.allocs);
	change_rate(w, "allocs_per_s", "allocs_per_s_rel", d, s->before.allocs, s->after.allocs);
	change_count(w, "bytes", "bytes_rel", s->before.bytes, s->after.bytes);
	change_rate(w, "bytes_per_s", "bytes_per_s_rel", d, s->before.bytes, s->after.bytes);
	change_pair(w, "alloc_cpu_share", "alloc_cpu_share_rel",
		    an_cpu_share(&bi->cpu, s->before.alloc_cpu_samples),
		    an_cpu_share(&ai->cpu, s->after.alloc_cpu_samples),
		    diff_has_cpu(bi) && diff_has_cpu(ai));
	jw_end_object(w);
	jw_end_object(w);
}

int diff_json(FILE *f, const struct diff *d, size_t top)
{
	size_t n = top && top < d->nsites ? top : d->nsites, i;
	struct json_writer w;

	jw_init(&w, f, 1);
	jw_begin_object(&w);
	int_key(&w, "schema_version", 1);
	write_profile(&w, "before", d->before, d->nbefore);
	write_profile(&w, "after", d->after, d->nafter);
	write_totals_change(&w, d);
	int_key(&w, "sites_total", (long long)d->nsites);
	int_key(&w, "sites_new", (long long)d->nnew);
	int_key(&w, "sites_gone", (long long)d->ngone);
	jw_key(&w, "sites");
	jw_begin_array(&w);
	for (i = 0; i < n; i++)
		write_site(&w, d, &d->sites[i]);
	jw_end_array(&w);
	diff_predict_json(&w, d);
	jw_end_object(&w);
	return jw_finish(&w);
}
