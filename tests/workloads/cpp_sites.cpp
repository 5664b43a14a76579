// cpp_sites.cpp: a C++ workload with known operator new / delete call sites, for exact counts per
// site (tests/agent/test_stacks.py): per round, one plain new, one new[], one nothrow new, one
// aligned new and one malloc, each in its own function (the call site), each object released in
// another function (delete, delete[], sized and aligned delete, free). The pointers pass through
// a global array so the compiler cannot elide a new/delete pair.
// Usage: cpp_sites ROUNDS [--wait]
#include <pthread.h>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <new>

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

void *volatile keep[5];

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

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? std::atoi(argv[1]) : 1000;

	struct timespec t0, t1;

	wait_go_if_asked(argc, argv);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < rounds; i++) {
		sites::make_node();
		sites::make_array();
		sites::make_nothrow();
		sites::make_line();
		sites::make_buffer();
		sites::drop_all();
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* the loop's time per round, to measure the probes' cost */
	std::printf("done rounds=%d ns_per_round=%.0f\n", rounds,
		    ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
			    (rounds > 0 ? rounds : 1));
	return 0;
}
