// cpp_sites.cpp: a C++ workload with known operator new / delete call sites, for exact counts per
// site (tests/agent/test_stacks.py): per round, one plain new, one new[], one nothrow new, one
// aligned new and one malloc, each in its own function (the call site), each object released in
// another function (delete, delete[], sized and aligned delete, free). The pointers pass through
// a per-thread array so the compiler cannot elide a new/delete pair. THREADS threads (default 1)
// each make ROUNDS rounds.
// Usage: cpp_sites ROUNDS [THREADS] [--wait]
#include <pthread.h>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <new>

#include <signal.h>
#include <unistd.h>

#include "wait_go.h"

namespace sites
{
struct Node { // 48 bytes
	long key, value;
	Node *left, *right, *parent;
	long color;
};
struct alignas(64) Line { // 128 bytes, aligned beyond what operator new(size_t) guarantees
	char bytes[128];
};

thread_local void *volatile keep[5];

__attribute__((noinline)) void make_node()
{
	keep[0] = new Node(); /* SITE_NEW */
}
__attribute__((noinline)) void make_array()
{
	keep[1] = new long[8](); /* SITE_NEW_ARRAY */
}
__attribute__((noinline)) void make_nothrow()
{
	keep[2] = new (std::nothrow) Node(); /* SITE_NEW_NOTHROW */
}
__attribute__((noinline)) void make_line()
{
	keep[3] = new Line(); /* SITE_NEW_ALIGNED */
}
__attribute__((noinline)) void make_buffer()
{
	keep[4] = std::malloc(100); /* SITE_MALLOC */
}

__attribute__((noinline)) void drop_all()
{
	delete static_cast<Node *>(keep[0]); /* SITE_DELETE (sized delete) */
	delete[] static_cast<long *>(keep[1]); /* SITE_DELETE_ARRAY */
	delete static_cast<Node *>(keep[2]);
	delete static_cast<Line *>(keep[3]); /* sized aligned delete */
	std::free(keep[4]); /* SITE_FREE */
	keep[4] = nullptr; /* not a tail call: every release's caller is drop_all */
}
} // namespace sites

static int rounds_per_thread;
static pthread_barrier_t start_line, finish_line;

static void run_rounds()
{
	for (int i = 0; i < rounds_per_thread; i++) {
		sites::make_node();
		sites::make_array();
		sites::make_nothrow();
		sites::make_line();
		sites::make_buffer();
		sites::drop_all();
	}
}

/* A worker: created before the recording starts and never ending (the process exits under it),
 * so that thread creation and exit allocate and free nothing while recorded. */
static void *worker(void *)
{
	pthread_barrier_wait(&start_line);
	run_rounds();
	pthread_barrier_wait(&finish_line);
	for (;;)
		pause();
	return nullptr;
}

int main(int argc, char **argv)
{
	int threads = argc > 2 && argv[2][0] != '-' ? std::atoi(argv[2]) : 1;
	struct timespec t0, t1;
	sigset_t usr1;
	pthread_t tid;

	rounds_per_thread = argc > 1 ? std::atoi(argv[1]) : 1000;
	if (threads < 1 || threads > 64) {
		std::fprintf(stderr, "cpp_sites: THREADS must be 1 to 64\n");
		return 2;
	}
	sigemptyset(&usr1); /* blocked in the workers too: --wait's SIGUSR1 is main's */
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, nullptr);
	pthread_barrier_init(&start_line, nullptr, (unsigned)threads);
	pthread_barrier_init(&finish_line, nullptr, (unsigned)threads);
	for (int t = 1; t < threads; t++)
		pthread_create(&tid, nullptr, worker, nullptr);
	wait_go_if_asked(argc, argv);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_barrier_wait(&start_line);
	run_rounds();
	pthread_barrier_wait(&finish_line);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* the time per round (of all threads), to measure the probes' cost */
	std::printf("done rounds=%d threads=%d ns_per_round=%.0f\n", rounds_per_thread, threads,
		    ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
			    (rounds_per_thread > 0 ? rounds_per_thread : 1));
	return 0;
}
