/* forker.c: a test workload for fork: the parent allocates at known sites while a forked child
 * allocates too (and exits); a profiler attached to the parent by PID must count only the
 * parent's calls.
 * Usage: forker N [--wait]
 * After SIGUSR1 (with --wait) the parent forks one child, then does N rounds of parent_site (1
 * malloc of 32 B) and shared_site (1 malloc of 24 B), everything freed. The child calls
 * shared_site and child_site (1 malloc of 40 B) in a loop for at least 300 ms of wall clock
 * (so it also burns CPU), sends its round count to the parent through a pipe and exits. The
 * parent waits for the child and prints "child pid=P rounds=R" and "done rounds=N". The lines
 * marked FORK_x are the call sites the tests expect. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wait_go.h"

static uint64_t sum;

static void use(void *p)
{
	if (!p)
		abort();
	((volatile char *)p)[0] = 1;
	sum += (uintptr_t)p & 0xf;
	free(p);
}

__attribute__((noinline, noipa)) static void parent_site(void)
{
	use(malloc(32)); /* FORK_PARENT */
}

__attribute__((noinline, noipa)) static void shared_site(void)
{
	use(malloc(24)); /* FORK_SHARED */
}

__attribute__((noinline, noipa)) static void child_site(void)
{
	use(malloc(40)); /* FORK_CHILD */
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void child(int fd)
{
	double end = now_s() + 0.3;
	long r = 0;

	while (now_s() < end) {
		for (int i = 0; i < 1000; i++) {
			shared_site();
			child_site();
		}
		r += 1000;
	}
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

int main(int argc, char **argv)
{
	long rounds, child_rounds = 0;
	int fds[2], status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: forker N [--wait]\n");
		return 2;
	}
	rounds = atol(argv[1]);
	wait_go_if_asked(argc, argv);
	if (pipe(fds))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(fds[0]);
		child(fds[1]);
	}
	close(fds[1]);
	for (long r = 0; r < rounds; r++) {
		parent_site();
		shared_site();
	}
	if (read(fds[0], &child_rounds, sizeof(child_rounds)) != (ssize_t)sizeof(child_rounds))
		return 1;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	printf("child pid=%d rounds=%ld\n", (int)pid, child_rounds);
	printf("done rounds=%ld checksum=%llu\n", rounds, (unsigned long long)sum);
	return 0;
}
