/* cpu_share.h: which CPU samples are allocator work, of which kind (malloc, free, realloc, or
 * kernel memory management the allocator caused), which call site caused them, and which samples
 * are the profiler's own uprobe/BPF work. The rules are in analyzer/README.md. */
#ifndef ARENAPROF_CPU_SHARE_H
#define ARENAPROF_CPU_SHARE_H

#include <stdint.h>

#include "cpu_stacks.h"

enum cpu_class {
	CPU_OTHER = 0, /* not allocator work */
	CPU_MALLOC,
	CPU_FREE,
	CPU_REALLOC,
	CPU_KERNEL_MM, /* allocator work in kernel memory management (brk, mmap, page faults) */
	CPU_OVERHEAD, /* the profiler's own work: left out of every share */
	CPU_GC, /* Go: garbage collection (marking, sweeping, assists); not in the allocator share */
};

/* The allocator classes CPU_MALLOC .. CPU_KERNEL_MM, indexed by class - CPU_MALLOC. */
#define CPU_NSPLIT 4
#define CPU_NO_SITE UINT32_MAX

struct cpu_verdict {
	enum cpu_class cls;
	/* allocator classes: the position of the call site (the frame just outward of the outermost
	 * allocator frame and of the wrapper frames there), CPU_NO_SITE when the stack ends at the
	 * allocator */
	uint32_t site_pos;
};

void cpu_classify(const struct cpu_profile *p, const struct cpu_stack *s, struct cpu_verdict *v);

static inline int cpu_is_allocator(enum cpu_class c)
{
	return c >= CPU_MALLOC && c <= CPU_KERNEL_MM;
}

struct cpu_totals {
	long long recorded; /* every sample in cpu_stats */
	long long overhead; /* CPU_OVERHEAD samples */
	long long allocator; /* samples of the allocator classes */
	long long split[CPU_NSPLIT]; /* per allocator class */
	long long gc; /* CPU_GC samples */
};

/* Is a sample of class c in an allocation call (malloc or realloc, not free or kernel memory
 * management)? These are the samples that the second count estimator (cpu_estimate.h) divides
 * by the cost of one call. */
static inline int cpu_is_alloc_call(enum cpu_class c)
{
	return c == CPU_MALLOC || c == CPU_REALLOC;
}

/* Classifies every stack of p into t. When site_samples is not NULL (p->nframes + 1 zeroed
 * entries) each allocator sample is also added to its call site's frame index, the last entry
 * counting those without a call site; site_calls likewise (may be NULL) for the samples in
 * allocation calls (cpu_is_alloc_call). 0, or -1 when a sum overflows. */
int cpu_share_totals(const struct cpu_profile *p, struct cpu_totals *t, long long *site_samples,
		     long long *site_calls);

#endif
