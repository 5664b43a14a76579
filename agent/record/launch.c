/* launch.c: start a command for `record -- CMD`, held at its executable's entry point (AT_ENTRY)
 * with a temporary breakpoint set through ptrace, so probes can be armed before main runs. */
#define _GNU_SOURCE
#include "launch.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_entry_point(pid_t pid, uint64_t *entry)
{
	char path[64];
	Elf64_auxv_t aux;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (read(fd, &aux, sizeof(aux)) == (ssize_t)sizeof(aux)) {
		if (aux.a_type == AT_ENTRY) {
			*entry = aux.a_un.a_val;
			close(fd);
			return 0;
		}
		if (aux.a_type == AT_NULL)
			break;
	}
	close(fd);
	return -ENOENT;
}

/* Waits for the next stop of the traced child; passes on signals that are not ours. Returns the
 * stop signal, or -1 when the child exited. */
static int wait_stop(pid_t pid, int *status)
{
	for (;;) {
		if (waitpid(pid, status, 0) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (WIFEXITED(*status) || WIFSIGNALED(*status))
			return -1;
		if (WIFSTOPPED(*status))
			return WSTOPSIG(*status);
	}
}

static int run_to_entry(pid_t pid, char *err, size_t errlen)
{
	struct user_regs_struct regs;
	uint64_t entry = 0;
	long orig;
	int status, sig;

	if (read_entry_point(pid, &entry)) {
		snprintf(err, errlen, "cannot read the entry point of process %d", (int)pid);
		return -1;
	}
	errno = 0;
	orig = ptrace(PTRACE_PEEKTEXT, pid, (void *)entry, NULL);
	if (errno ||
	    ptrace(PTRACE_POKETEXT, pid, (void *)entry, (void *)((orig & ~0xffL) | 0xcc))) {
		snprintf(err, errlen, "cannot set the entry breakpoint: %s", strerror(errno));
		return -1;
	}
	sig = 0;
	for (;;) {
		if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig))
			goto gone;
		sig = wait_stop(pid, &status);
		if (sig < 0)
			goto gone;
		if (sig != SIGTRAP)
			continue; /* deliver it and go on */
		if (ptrace(PTRACE_GETREGS, pid, NULL, &regs))
			goto gone;
		if (regs.rip == entry + 1)
			break;
		sig = 0;
	}
	regs.rip = entry;
	if (ptrace(PTRACE_POKETEXT, pid, (void *)entry, (void *)orig) ||
	    ptrace(PTRACE_SETREGS, pid, NULL, &regs)) {
		snprintf(err, errlen, "cannot restore the entry point: %s", strerror(errno));
		return -1;
	}
	return 0;
gone:
	snprintf(err, errlen, "the command exited before reaching its entry point");
	return -1;
}

pid_t launch_stopped_at_entry(char *const argv[], char *err, size_t errlen)
{
	int pipefd[2], child_errno = 0, status;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(pipefd[0]);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0)
			execvp(argv[0], argv);
		child_errno = errno;
		if (write(pipefd[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pipefd[1]);
	n = read(pipefd[0], &child_errno, sizeof(child_errno));
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(child_errno)) {
		waitpid(pid, &status, 0);
		snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(child_errno));
		return -1;
	}
	if (wait_stop(pid, &status) != SIGTRAP) {
		snprintf(err, errlen, "%s did not stop after exec", argv[0]);
		kill(pid, SIGKILL);
		return -1;
	}
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)PTRACE_O_EXITKILL);
	if (run_to_entry(pid, err, errlen)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	return pid;
}

int launch_resume(pid_t pid)
{
	return ptrace(PTRACE_DETACH, pid, NULL, NULL) ? -errno : 0;
}
