/* task_clock.h: the CPU time of a whole process, exact to the nanosecond at any moment:
 * counting software task-clock perf events on each of its threads, inherited by threads created
 * later (schedstat and the process CPU clock move only at scheduler ticks, 4 ms here, for
 * threads running on other CPUs). */
#ifndef ARENAPROF_TASK_CLOCK_H
#define ARENAPROF_TASK_CLOCK_H

#include <stdint.h>
#include <sys/types.h>

struct task_clock;

/* Opens the counters for every thread of pid; NULL when perf events are not available. */
struct task_clock *task_clock_open(pid_t pid);
/* The process's CPU time counted since task_clock_open, in ns. */
uint64_t task_clock_read(const struct task_clock *c);
void task_clock_close(struct task_clock *c);

#endif
