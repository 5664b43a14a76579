/* launch.h: start a command for `record -- CMD`, held at its executable's entry point so the
 * probes are armed after the dynamic linker mapped its libraries but before main runs. */
#ifndef ARENAPROF_LAUNCH_H
#define ARENAPROF_LAUNCH_H

#include <stddef.h>
#include <sys/types.h>

/* Forks and execs argv[0] (PATH searched). Returns the pid, stopped under ptrace at the entry
 * point, or -1 with a one-line reason in err. */
pid_t launch_stopped_at_entry(char *const argv[], char *err, size_t errlen);
/* Lets the stopped child run on (detaches ptrace). 0 or -errno. */
int launch_resume(pid_t pid);

#endif
