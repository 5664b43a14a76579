/* wait_go.h: shared by the test workloads: with --wait, print "ready" and block until SIGUSR1,
 * so the test can attach the profiler before any work is done. */
#ifndef ARENAPROF_WAIT_GO_H
#define ARENAPROF_WAIT_GO_H

#include <signal.h>
#include <stdio.h>
#include <string.h>

static inline void wait_go_if_asked(int argc, char **argv)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (argc < 2 || strcmp(argv[argc - 1], "--wait"))
		return;
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
}

#endif
