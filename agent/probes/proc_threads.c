/* proc_threads.c: visit the threads of a process, by the entries of /proc/PID/task. */
#include "proc_threads.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int proc_threads(pid_t pid, int (*visit)(pid_t tid, void *arg), void *arg)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (!rc && (d = readdir(dir))) {
		pid_t tid = (pid_t)atoi(d->d_name);

		if (tid > 0)
			rc = visit(tid, arg);
	}
	closedir(dir);
	return rc;
}
