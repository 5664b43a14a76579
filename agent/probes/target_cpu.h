/* target_cpu.h: the CPU time of every thread of a process (/proc/PID/task/TID/schedstat, in
 * nanoseconds), to know how busy the target was between and during probe windows. */
#ifndef ARENAPROF_TARGET_CPU_H
#define ARENAPROF_TARGET_CPU_H

#include <stdint.h>
#include <sys/types.h>

#define TARGET_CPU_MAX_THREADS 1024

struct target_cpu {
	pid_t pid;
	int n;
	pid_t tid[TARGET_CPU_MAX_THREADS];
	uint64_t ns[TARGET_CPU_MAX_THREADS]; /* run time of each thread at the snapshot */
	uint64_t wait[TARGET_CPU_MAX_THREADS]; /* time it waited, runnable, for a CPU */
	uint64_t dead_ns; /* run time of threads that ended since the first snapshot */
	uint64_t total_ns; /* of all threads, those gone since included; at tick granularity
			    * (4 ms) for running threads: exact totals come from task_clock.h */
};

/* Takes a snapshot into cur, carrying the totals of threads that ended over from prev (NULL for
 * the first). 0, or -1 when the process is gone. */
int target_cpu_snapshot(pid_t pid, const struct target_cpu *prev, struct target_cpu *cur);

/* How saturated the threads were between two snapshots dt_ns apart: the CPU-weighted mean of
 * each thread's demand, running or waiting for a CPU, as a share of the time (1: every busy
 * thread was always runnable, it had no slack to absorb probes; near 0: it slept most). */
double target_cpu_saturation(const struct target_cpu *a, const struct target_cpu *b,
			     uint64_t dt_ns);

#endif
