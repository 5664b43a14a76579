/* test_arena_debug.c: tests of the arena's debug-build aids. Built with arena.c
 * compiled with -DARENA_DEBUG: use from a foreign thread aborts with a clear
 * message, arena_adopt() hands ownership over, and reset marks released memory
 * (ASan poison under AddressSanitizer, the 0xDD fill otherwise).
 * Usage: test_arena_debug [NAME|--list]. */
#define _POSIX_C_SOURCE 200809L
#include "arena.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <threads.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
#ifdef HAVE_ASAN
#include <sanitizer/asan_interface.h>
#endif

static int failures;

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__, \
				__func__, #cond);                                            \
			failures++;                                                          \
		}                                                                            \
	} while (0)

struct child_result {
	bool exited;
	int exit_code;
	int signal;
	char err[4096]; /* start of the child's stderr */
};

/* Run fn in a forked child, capturing how it ended and its stderr. */
static void run_in_child(void (*fn)(void), struct child_result *res)
{
	int fds[2];
	int status = 0;
	ssize_t n;
	size_t len = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (pipe(fds) != 0) {
		perror("pipe");
		exit(2);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], res->err + len, sizeof(res->err) - 1 - len)) > 0)
		len += (size_t)n;
	close(fds[0]);
	waitpid(pid, &status, 0);
	res->exited = WIFEXITED(status);
	res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	res->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static int alloc_in_thread(void *arg)
{
	return arena_alloc(arg, 16) != NULL;
}

static int adopt_and_alloc_in_thread(void *arg)
{
	arena_adopt(arg);
	return arena_alloc(arg, 16) != NULL;
}

static int run_thread(int (*fn)(void *), struct arena *a)
{
	thrd_t t;
	int rc = -1;

	if (thrd_create(&t, fn, a) != thrd_success)
		_exit(3);
	thrd_join(t, &rc);
	return rc;
}

static void child_uses_arena_from_other_thread(void)
{
	struct arena *a = arena_new(0);

	run_thread(alloc_in_thread, a);
	_exit(0); /* not reached: the thread aborts the process */
}

static void test_foreign_thread_aborts(void)
{
	struct child_result res;

	run_in_child(child_uses_arena_from_other_thread, &res);
	CHECK(!res.exited && res.signal == SIGABRT);
	CHECK(strstr(res.err, "arena_alloc()") != NULL);
	CHECK(strstr(res.err, "not thread-safe") != NULL);
}

static void child_hands_arena_over_and_back(void)
{
	struct arena *a = arena_new(0);

	if (run_thread(adopt_and_alloc_in_thread, a) != 1)
		_exit(4);
	arena_adopt(a);
	arena_destroy(a);
	_exit(0);
}

static void child_uses_arena_after_giving_it_away(void)
{
	struct arena *a = arena_new(0);

	run_thread(adopt_and_alloc_in_thread, a);
	arena_reset(a); /* the other thread owns it now */
	_exit(0);
}

static void test_adopt_transfers_ownership(void)
{
	struct child_result res;

	run_in_child(child_hands_arena_over_and_back, &res);
	CHECK(res.exited && res.exit_code == 0);
	CHECK(res.err[0] == '\0');
	run_in_child(child_uses_arena_after_giving_it_away, &res);
	CHECK(!res.exited && res.signal == SIGABRT);
	CHECK(strstr(res.err, "arena_reset()") != NULL);
}

/* Released memory must be unusable (poisoned) or visibly stale (0xDD), while
 * live allocations stay intact. */
static void test_reset_marks_released_memory(void)
{
	struct arena *a = arena_new(0);
	unsigned char *p = arena_alloc(a, 64);
	unsigned char *q;

	CHECK(p != NULL);
	if (!p)
		return;
	memset(p, 0x11, 64);
#ifdef HAVE_ASAN
	CHECK(!__asan_region_is_poisoned(p, 64));
	arena_reset(a);
	CHECK(__asan_address_is_poisoned(p));
	CHECK(__asan_address_is_poisoned(p + 63));
	q = arena_alloc(a, 64);
	CHECK(q == p && !__asan_region_is_poisoned(q, 64));
#else
	arena_reset(a);
	/* The chunk still belongs to the arena, so this read is defined. */
	for (int i = 0; i < 64; i++)
		CHECK(p[i] == ARENA_FREED_BYTE);
	q = arena_alloc(a, 64);
	CHECK(q == p);
#endif
	arena_destroy(a);
}

struct test {
	const char *name;
	void (*run)(void);
};

#define TEST(fn)        \
	{               \
#fn, fn \
	}
static const struct test tests[] = {
	TEST(test_foreign_thread_aborts),
	TEST(test_adopt_transfers_ownership),
	TEST(test_reset_marks_released_memory),
};

int main(int argc, char **argv)
{
	size_t ran = 0;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (argc > 1 && strcmp(argv[1], "--list") == 0) {
			printf("%s\n", tests[i].name);
			continue;
		}
		if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
			continue;
		tests[i].run();
		ran++;
	}
	if (argc > 1 && strcmp(argv[1], "--list") == 0)
		return 0;
	if (ran == 0) {
		fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "(none)");
		return 2;
	}
	printf("debug aids: %zu test(s), %d failure(s)\n", ran, failures);
	return failures ? 1 : 0;
}
