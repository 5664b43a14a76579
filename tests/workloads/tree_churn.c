/* tree_churn.c: a workload that spends a large share of its CPU in malloc/free: it builds
 * binary trees of small nodes and frees them node by node, in a loop.
 * Usage: tree_churn SECONDS [--wait] */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "wait_go.h"

#define NOINLINE __attribute__((noinline, noipa))

struct tnode {
	struct tnode *left, *right;
	uint64_t value;
};

NOINLINE static struct tnode *build_tree(int depth, uint64_t seed)
{
	struct tnode *n = malloc(sizeof(*n)); /* SITE_BUILD_TREE */

	if (!n)
		abort();
	n->value = seed;
	n->left = depth > 0 ? build_tree(depth - 1, seed * 2) : NULL;
	n->right = depth > 0 ? build_tree(depth - 1, seed * 2 + 1) : NULL;
	return n;
}

NOINLINE static uint64_t free_tree(struct tnode *n)
{
	uint64_t sum;

	if (!n)
		return 0;
	sum = n->value + free_tree(n->left) + free_tree(n->right);
	free(n);
	return sum;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2, end;
	uint64_t sum = 0;

	wait_go_if_asked(argc, argv);
	end = now_s() + seconds;
	while (now_s() < end)
		for (int i = 0; i < 16; i++)
			sum += free_tree(build_tree(10, (uint64_t)i));
	printf("sum=%llu\n", (unsigned long long)sum);
	return 0;
}
