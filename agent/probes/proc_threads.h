/* proc_threads.h: visit the threads of a process (/proc/PID/task). */
#ifndef ARENAPROF_PROC_THREADS_H
#define ARENAPROF_PROC_THREADS_H

#include <sys/types.h>

/* Calls visit(tid, arg) for each thread of pid until it returns non-zero. Returns that value,
 * 0 when every thread was visited, or -errno when the thread list cannot be read. */
int proc_threads(pid_t pid, int (*visit)(pid_t tid, void *arg), void *arg);

#endif
