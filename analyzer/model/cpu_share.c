/* cpu_share.c: classifying CPU sample stacks (see cpu_share.h and analyzer/README.md).
 * A stack is innermost first: its kernel part (frames of CPU_KERNEL_MODULE from pos 0), then the
 * user frames from the interrupted instruction outward. */
#define _POSIX_C_SOURCE 200809L
#include "cpu_share.h"

#include <string.h>

#include "an_util.h"

void cpu_classify(const struct cpu_profile *p, const struct cpu_stack *s, struct cpu_verdict *v)
{
	uint32_t pos, outer = CPU_NO_SITE;
	const struct cpu_frame *f;
	int kernel_mm = 0, gc = 0;

	v->cls = CPU_OTHER;
	v->site_pos = CPU_NO_SITE;
	/* the kernel part: the profiler's overhead wins over everything */
	for (pos = 0; pos < s->len; pos++) {
		f = cpu_stack_frame(p, s, pos);
		if (!f || !f->kernel)
			break;
		if (f->overhead) {
			v->cls = CPU_OVERHEAD;
			return;
		}
		kernel_mm |= f->kernel_mm;
	}
	/* the innermost user frame in the uprobes page: the profiler's displaced instruction */
	f = cpu_stack_frame(p, s, pos);
	if (f && f->overhead) {
		v->cls = CPU_OVERHEAD;
		return;
	}
	/* the outermost allocator frame among the user frames */
	for (; pos < s->len; pos++) {
		f = cpu_stack_frame(p, s, pos);
		if (f && !f->kernel && f->category != AT_NONE)
			outer = pos;
		gc |= f && !f->kernel && f->category == AT_GC;
	}
	if (gc) { /* Go: GC work wins, also under mallocgc (assists, sweeping) */
		v->cls = CPU_GC;
		return;
	}
	if (outer == CPU_NO_SITE)
		return;
	f = cpu_stack_frame(p, s, outer);
	switch (f->category) {
	case AT_FREE:
		v->cls = CPU_FREE;
		break;
	case AT_REALLOC:
		v->cls = CPU_REALLOC;
		break;
	default:
		v->cls = CPU_MALLOC;
		break;
	}
	if (kernel_mm)
		v->cls = CPU_KERNEL_MM;
	/* past the wrappers (xmalloc -> malloc: the site is xmalloc's caller), never past the end */
	for (pos = outer + 1; pos + 1 < s->len; pos++) {
		f = cpu_stack_frame(p, s, pos);
		if (!f || !f->wrapper)
			break;
	}
	if (pos < s->len)
		v->site_pos = pos;
}

int cpu_share_totals(const struct cpu_profile *p, struct cpu_totals *t, long long *site_samples,
		     long long *site_calls)
{
	struct cpu_verdict v;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->recorded = p->recorded;
	for (i = 0; i < p->nstacks; i++) {
		const struct cpu_stack *s = &p->stacks[i];
		long long *site;
		size_t at;

		cpu_classify(p, s, &v);
		if (v.cls == CPU_OVERHEAD) {
			if (an_add(&t->overhead, s->samples))
				return -1;
			continue;
		}
		if (v.cls == CPU_GC && an_add(&t->gc, s->samples))
			return -1;
		if (!cpu_is_allocator(v.cls))
			continue;
		if (an_add(&t->allocator, s->samples) ||
		    an_add(&t->split[v.cls - CPU_MALLOC], s->samples))
			return -1;
		if (!site_samples)
			continue;
		if (v.site_pos == CPU_NO_SITE || p->idx[s->start + v.site_pos] == CPU_NO_FRAME)
			at = p->nframes;
		else
			at = p->idx[s->start + v.site_pos];
		site = &site_samples[at];
		if (an_add(site, s->samples))
			return -1;
		if (site_calls && cpu_is_alloc_call(v.cls) && an_add(&site_calls[at], s->samples))
			return -1;
	}
	return 0;
}
