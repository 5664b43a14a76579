/* task_clock.c: per-thread counting task-clock perf events (inherit = 1) of one process, summed.
 * Reading an event brings a running thread's count up to date (the kernel asks its CPU), and an
 * inherited event's count includes the threads created from that thread. */
#define _GNU_SOURCE
#include "task_clock.h"

#include "proc_threads.h"

#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

struct task_clock {
	int n, cap;
	int *fd;
};

/* A counter on one thread (a thread that ended meanwhile is skipped). */
static int open_thread(pid_t tid, void *arg)
{
	struct task_clock *c = arg;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_TASK_CLOCK,
		.inherit = 1,
	};
	int fd;

	if (c->n == c->cap) {
		int cap = c->cap ? 2 * c->cap : 64, *v = realloc(c->fd, (size_t)cap * sizeof(*v));

		if (!v)
			return 1;
		c->fd = v;
		c->cap = cap;
	}
	fd = (int)syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0)
		c->fd[c->n++] = fd;
	return 0;
}

struct task_clock *task_clock_open(pid_t pid)
{
	struct task_clock *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	proc_threads(pid, open_thread, c);
	if (c->n == 0) {
		task_clock_close(c);
		return NULL;
	}
	return c;
}

uint64_t task_clock_read(const struct task_clock *c)
{
	uint64_t sum = 0;

	for (int i = 0; i < c->n; i++) {
		uint64_t v;

		if (read(c->fd[i], &v, sizeof(v)) == sizeof(v))
			sum += v;
	}
	return sum;
}

void task_clock_close(struct task_clock *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n; i++)
		close(c->fd[i]);
	free(c->fd);
	free(c);
}
