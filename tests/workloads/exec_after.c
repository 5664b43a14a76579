/* exec_after.c: a test workload that replaces itself with another program: a profiler attached
 * by PID sees the same process run a new image.
 * Usage: exec_after N PROGRAM [ARGS...] [--wait]
 * After SIGUSR1 (with --wait) it does N mallocs of 40 B at before_exec (the line marked
 * EXEC_BEFORE), frees them, prints "exec PROGRAM" and execs PROGRAM ARGS (without --wait). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wait_go.h"

static uint64_t sum;

__attribute__((noinline, noipa)) static void before_exec(void)
{
	void *p = malloc(40); /* EXEC_BEFORE */

	if (!p)
		abort();
	((volatile char *)p)[0] = 1;
	sum += (uintptr_t)p & 0xf;
	free(p);
}

int main(int argc, char **argv)
{
	long rounds;

	if (argc < 3) {
		fprintf(stderr, "usage: exec_after N PROGRAM [ARGS...] [--wait]\n");
		return 2;
	}
	rounds = atol(argv[1]);
	wait_go_if_asked(argc, argv);
	if (!strcmp(argv[argc - 1], "--wait"))
		argv[argc - 1] = NULL;
	for (long r = 0; r < rounds; r++)
		before_exec();
	printf("exec %s checksum=%llu\n", argv[2], (unsigned long long)sum);
	fflush(stdout);
	execv(argv[2], argv + 2);
	perror("exec_after: execv");
	return 1;
}
