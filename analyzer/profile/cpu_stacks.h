/* cpu_stacks.h: the CPU samples of a profile in memory: every frame that appears in a cpu_stats
 * stack (name, location, and what allocator_table.h says about it, looked up once per frame) and
 * every cpu_stats stack as its frames, innermost (pos 0) first. Read by the CPU share
 * (cpu_share.h) and by `folded --metric cpu|alloc-cpu`. */
#ifndef ARENAPROF_CPU_STACKS_H
#define ARENAPROF_CPU_STACKS_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "allocator_table.h"

/* The module path of kernel frames (schema/README.md). */
#define CPU_KERNEL_MODULE "[kernel.kallsyms]"
/* A stack_frames row whose frame is missing from frames. */
#define CPU_NO_FRAME UINT32_MAX

struct cpu_frame {
	long long id; /* frames.id */
	char *function; /* AN_UNKNOWN when NULL or empty */
	char *file; /* NULL without debug info */
	long long line;
	int has_line;
	char *module; /* modules.path, AN_UNKNOWN without a module */
	unsigned kernel : 1; /* module CPU_KERNEL_MODULE */
	unsigned kernel_mm : 1; /* kernel frame of memory management (at_kernel_mm) */
	/* the profiler's own work: a kernel frame (at_profiler_overhead) or a user frame in the
	 * uprobes page (at_profiler_overhead_user) */
	unsigned overhead : 1;
	enum at_category category; /* user frames: allocator code or AT_NONE */
	/* an allocation wrapper folded into its callers (set by an_cpu_load from site_fold.h): a
	 * call site is never one */
	unsigned wrapper : 1;
};

struct cpu_stack {
	long long samples;
	size_t start; /* into idx */
	uint32_t len; /* frames; 0: a stack without any frame */
};

struct cpu_profile {
	struct cpu_frame *frames; /* by frames.id, ascending */
	size_t nframes;
	struct cpu_stack *stacks;
	size_t nstacks;
	uint32_t *idx; /* index into frames, or CPU_NO_FRAME, per (stack, pos) */
	size_t nidx;
	long long recorded; /* SUM(cpu_stats.samples) */
};

/* Reads frames and cpu_stats stacks. 0, or -1 after an error message naming path. */
int cpu_profile_load(sqlite3 *db, const char *path, struct cpu_profile *p);
void cpu_profile_free(struct cpu_profile *p);

/* The frame at position pos (0 innermost) of stack s, NULL when it is missing. */
const struct cpu_frame *cpu_stack_frame(const struct cpu_profile *p, const struct cpu_stack *s,
					uint32_t pos);

#endif
