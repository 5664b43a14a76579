/* folded_cpu.c: `arenaprof folded --metric cpu|alloc-cpu`: one line per CPU sample stack, frames
 * from the outermost user frame to the leaf with the kernel frames on top (as perf and
 * flamegraph.pl show them), then a space and the number of samples. cpu: every sample, the
 * profiler's own overhead included; alloc-cpu: only the samples of allocator work (cpu_share.h),
 * overhead excluded. Names are made safe as in folded.c, identical lines merged. */
#define _POSIX_C_SOURCE 200809L
#include "folded.h"

#include <stdlib.h>

#include "an_util.h"
#include "cpu_share.h"

int folded_from_cpu(const struct cpu_profile *p, int alloc_only, const char *path,
		    struct folded *out)
{
	uint32_t *name, unknown, pos;
	struct cpu_verdict v;
	size_t i;
	int rc;

	folded_init(out);
	name = an_malloc((p->nframes + 1) * sizeof(*name));
	for (i = 0; i < p->nframes; i++)
		name[i] = folded_intern(out, p->frames[i].function);
	unknown = folded_intern(out, NULL);
	for (i = 0; i < p->nstacks; i++) {
		const struct cpu_stack *s = &p->stacks[i];
		struct folded_line *line;

		if (alloc_only) {
			cpu_classify(p, s, &v);
			if (!cpu_is_allocator(v.cls))
				continue;
		}
		line = folded_new_line(out, s->samples);
		if (s->len == 0)
			folded_push(out, line, unknown);
		for (pos = s->len; pos-- > 0;) {
			uint32_t k = p->idx[s->start + pos];

			folded_push(out, line, k == CPU_NO_FRAME ? unknown : name[k]);
		}
	}
	free(name);
	rc = folded_merge(out);
	if (rc) {
		an_err("%s: stack totals overflow", path);
		folded_free(out);
	}
	return rc;
}

int folded_load_cpu(sqlite3 *db, const char *path, int alloc_only, struct folded *out)
{
	struct cpu_profile p;
	int rc;

	if (cpu_profile_load(db, path, &p))
		return -1;
	rc = folded_from_cpu(&p, alloc_only, path, out);
	cpu_profile_free(&p);
	return rc;
}
