/* target_cpu.c: per-thread run time of a process from /proc/PID/task/TID/schedstat (first field,
 * nanoseconds on the CPU), summed into a total that stays monotonic when threads end. */
#define _GNU_SOURCE
#include "target_cpu.h"

#include "proc_threads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_runtime(pid_t pid, pid_t tid, uint64_t *ns, uint64_t *wait)
{
	char path[96];
	unsigned long long v, w;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	ok = fscanf(f, "%llu %llu", &v, &w) == 2;
	fclose(f);
	*ns = v;
	*wait = w;
	return ok ? 0 : -1;
}

static int find(const struct target_cpu *c, pid_t tid)
{
	for (int i = 0; c && i < c->n; i++)
		if (c->tid[i] == tid)
			return i;
	return -1;
}

/* One thread's run and wait times into cur; stops when cur is full. */
static int add_thread(pid_t tid, void *arg)
{
	struct target_cpu *cur = arg;
	uint64_t ns, wait;

	if (read_runtime(cur->pid, tid, &ns, &wait) == 0) {
		cur->tid[cur->n] = tid;
		cur->wait[cur->n] = wait;
		cur->ns[cur->n++] = ns;
	}
	return cur->n == TARGET_CPU_MAX_THREADS;
}

int target_cpu_snapshot(pid_t pid, const struct target_cpu *prev, struct target_cpu *cur)
{
	uint64_t sum = 0;

	cur->pid = pid;
	cur->n = 0;
	if (proc_threads(pid, add_thread, cur) < 0)
		return -1;
	/* threads of prev that are gone keep their last run time in the total */
	cur->dead_ns = prev ? prev->dead_ns : 0;
	for (int i = 0; prev && i < prev->n; i++)
		if (find(cur, prev->tid[i]) < 0)
			cur->dead_ns += prev->ns[i];
	for (int i = 0; i < cur->n; i++)
		sum += cur->ns[i];
	cur->total_ns = sum + cur->dead_ns;
	return cur->n ? 0 : -1;
}

double target_cpu_saturation(const struct target_cpu *a, const struct target_cpu *b, uint64_t dt_ns)
{
	double busy = 0, weighted = 0;

	if (!dt_ns)
		return 0;
	for (int i = 0; i < b->n; i++) {
		int j = find(a, b->tid[i]);
		double u, cpu;

		if (j < 0 || b->ns[i] < a->ns[j] || b->wait[i] < a->wait[j])
			continue;
		cpu = (double)(b->ns[i] - a->ns[j]);
		u = (cpu + (double)(b->wait[i] - a->wait[j])) / (double)dt_ns;
		if (u > 1)
			u = 1;
		busy += cpu;
		weighted += cpu * u;
	}
	return busy > 0 ? weighted / busy : 0;
}
